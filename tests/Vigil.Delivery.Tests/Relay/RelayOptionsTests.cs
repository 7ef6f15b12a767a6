using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Relay;

namespace Vigil.Delivery.Tests.Relay;

/// <summary>The relay's settings: defaults, and a bad value refused at start naming the setting.</summary>
public sealed class RelayOptionsTests
{
    [Fact]
    public void Value_NothingSet_Defaults()
    {
        var options = Resolve([]);

        Assert.Equal((1 << 20, 64 << 10, 256L << 20), (options.MaxBodyBytes, options.UnauthenticatedMaxBodyBytes, options.StoredBodyBudgetBytes));
        Assert.Equal((50, 600, 10), (options.RequestsPerSecond, options.AddressRequestsPerMinute, options.FailedAttemptsPerMinute));
    }

    [Theory]
    [InlineData("StoredBodyBudgetBytes", "0", "StoredBodyBudgetBytes")]
    [InlineData("StoredBodyBudgetBytes", "-1", "StoredBodyBudgetBytes")]
    [InlineData("StoredBodyBudgetBytes", "1000", "Vigil:Relay:StoredBodyBudgetBytes must be at least Vigil:Relay:MaxBodyBytes")]
    [InlineData("StoredBodyBudgetBytes", "lots", "Vigil:Relay:StoredBodyBudgetBytes")]
    [InlineData("StoredBodyBudgetBytes", "1e9", "Vigil:Relay:StoredBodyBudgetBytes")]
    [InlineData("UnauthenticatedMaxBodyBytes", "0", "UnauthenticatedMaxBodyBytes")]
    [InlineData("UnauthenticatedMaxBodyBytes", "big", "Vigil:Relay:UnauthenticatedMaxBodyBytes")]
    [InlineData("AddressRequestsPerMinute", "0", "AddressRequestsPerMinute")]
    [InlineData("AddressRequestsPerMinute", "ten", "Vigil:Relay:AddressRequestsPerMinute")]
    [InlineData("FailedAttemptsPerMinute", "0", "FailedAttemptsPerMinute")]
    [InlineData("FailedAttemptsPerMinute", "99999999999", "Vigil:Relay:FailedAttemptsPerMinute")]
    public void Value_BadSetting_RefusedNamingIt(string key, string value, string named)
    {
        var error = Assert.ThrowsAny<Exception>(() => Resolve(new() { [$"Vigil:Relay:{key}"] = value }));

        Assert.True(error is OptionsValidationException or InvalidOperationException, error.GetType().Name);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static RelayOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVigilDelivery(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<RelayOptions>>().Value;
    }
}
