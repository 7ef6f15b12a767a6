using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Vigil.Notifications.Tests.DependencyInjection;

public sealed class NotificationsServiceCollectionExtensionsTests
{
    [Fact]
    public void AddVigilNotifications_Twice_RegistersOnceAndAppliesBothConfigurations()
    {
        var services = new ServiceCollection().AddLogging();

        var first = services.AddVigilNotifications(o => o.AllowedHosts.Add("a.internal"));
        var second = services.AddVigilNotifications(o => o.AllowedHosts.Add("b.internal"));
        using var provider = services.BuildServiceProvider();

        Assert.Same(first.Services, second.Services);
        Assert.Single(services, d => d.ServiceType == typeof(NotificationSender));
        Assert.Equal(["a.internal", "b.internal"], provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.AllowedHosts);
        Assert.NotNull(provider.GetRequiredService<NotificationSender>());
    }

    [Fact]
    public void AddVigilNotifications_FromConfiguration_BindsTheDeliverySection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Delivery:AllowPrivateNetworks"] = "true",
            ["Vigil:Delivery:AllowedHosts:0"] = "smtp.internal",
            ["Vigil:Delivery:BreakerFailureThreshold"] = "3",
        }).Build();
        var services = new ServiceCollection().AddLogging();

        services.AddVigilNotifications(configuration.GetSection(DeliveryOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        Assert.True(options.AllowPrivateNetworks);
        Assert.Equal(["smtp.internal"], options.AllowedHosts);
        Assert.Equal(3, options.BreakerFailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.BreakerBreakDuration);
    }

    [Theory]
    [InlineData("BreakerFailureThreshold", "1", "BreakerFailureThreshold")]
    [InlineData("Timeout", "00:00:00.5", "Timeout")]
    [InlineData("RateLimitPermits", "0", "RateLimitPermits")]
    [InlineData("AllowedHosts:0", "https://hooks.example.com/x", "AllowedHosts:0")]
    public void ValidateOnStart_BadSetting_FailsNamingIt(string key, string value, string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Vigil:Delivery:{key}"] = value }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVigilNotifications(configuration.GetSection(DeliveryOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
