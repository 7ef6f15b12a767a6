using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;

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

    [Fact]
    public void AddVigilNotifications_RateLimitOfOneType_OverridesOnlyThatType()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Delivery:RateLimits:Slack:Permits"] = "3",
            ["Vigil:Delivery:RateLimits:Slack:Period"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVigilNotifications(configuration.GetSection(DeliveryOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var limits = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.RateLimits;

        Assert.Equal((3, TimeSpan.FromSeconds(5)), (limits.For(ChannelType.Slack).Permits, limits.For(ChannelType.Slack).Period));
        Assert.Equal((1, TimeSpan.FromSeconds(2)), (limits.For(ChannelType.Discord).Permits, limits.For(ChannelType.Discord).Period));
        Assert.Equal(50, limits.For(ChannelType.Webhook).Permits);
        Assert.Equal(10, limits.For(ChannelType.Email).Permits);
    }

    [Theory]
    [InlineData("BreakerFailureThreshold", "1", "BreakerFailureThreshold")]
    [InlineData("Timeout", "00:00:00.5", "Timeout")]
    [InlineData("RateLimits:Slack:Permits", "0", "RateLimits:Slack:Permits")]
    [InlineData("RateLimits:Email:Period", "00:00:00", "RateLimits:Email:Period")]
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
