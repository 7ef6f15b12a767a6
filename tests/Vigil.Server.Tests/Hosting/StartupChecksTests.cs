using Microsoft.Extensions.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Hosting;

public sealed class StartupChecksTests
{
    [Theory]
    [InlineData("Vigil:Delivery:RateLimitPermits", "1000", "Vigil:Delivery:RateLimits:<Type>:Permits")]
    [InlineData("Vigil:Delivery:RateLimitPeriod", "00:00:01", "Vigil:Delivery:RateLimits:<Type>:Period")]
    public void RetiredSetting_Set_RefusedNamingItsReplacement(string setting, string value, string replacement)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();

        var problem = StartupChecks.RetiredSetting(configuration);

        Assert.NotNull(problem);
        Assert.Equal(StartupChecks.BadSetting, problem.ExitCode);
        Assert.StartsWith(setting + " is no longer read", problem.Message, StringComparison.Ordinal);
        Assert.Contains(replacement, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetiredSetting_CurrentSettingsOnly_NoProblem()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Vigil:Delivery:RateLimits:Webhook:Permits"] = "100" }).Build();

        Assert.Null(StartupChecks.RetiredSetting(configuration));
    }
}
