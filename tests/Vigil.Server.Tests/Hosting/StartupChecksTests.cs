using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Hosting;

namespace Vigil.Server.Tests.Hosting;

public sealed class StartupChecksTests
{
    /// <summary>
    /// Every setting the server checks before it starts, refused by the checks a started process
    /// runs (Program: the same builder, services and <see cref="StartupChecks.Run"/>) with its
    /// exit code and the setting named; ServerProcessTests starts real processes for a few of them.
    /// </summary>
    [Theory]
    [InlineData("Vigil:Storage:Provider", "postgres", "Vigil:Storage:ConnectionString")]
    [InlineData("Vigil:Storage:ConnectionString", "Data Source=data/vigil.db;Bogus=1", "Vigil:Storage:ConnectionString")]
    [InlineData("Vigil:Metrics:MaxSeries", "0", "Vigil:Metrics:MaxSeries")]
    [InlineData("Vigil:Metrics:MaxSeries", "lots", "Vigil:Metrics:MaxSeries")]
    [InlineData("Vigil:Metrics:InMemoryRetention", "00:01:00", "InMemoryRetention")]
    [InlineData("Vigil:Auth:BootstrapAdminKey", "short", "Vigil:Auth:BootstrapAdminKey")]
    [InlineData("Vigil:Jobs:MaxConcurrency", "0", "MaxConcurrency")]
    [InlineData("Vigil:Privacy:Patterns:0", "(unclosed", "Vigil:Privacy:Patterns:0")]
    [InlineData("Vigil:Queries:MaxCost", "0", "Vigil:Queries:MaxCost")]
    [InlineData("Vigil:Queries:Timeout", "soon", "Vigil:Queries:Timeout")]
    [InlineData("Vigil:Cluster:ShareInterval", "00:00:00.001", "Vigil:Cluster:ShareInterval")]
    [InlineData("Vigil:Cluster:HeartbeatInterval", "00:05:00", "Vigil:Cluster:HeartbeatInterval")]
    [InlineData("Vigil:Queries:MaxConcurrent", "0", "Vigil:Queries:MaxConcurrent")]
    [InlineData("Vigil:Queries:MaxQueued", "-1", "Vigil:Queries:MaxQueued")]
    [InlineData("Vigil:Queries:MaxConcurrentPerKey", "0", "Vigil:Queries:MaxConcurrentPerKey")]
    [InlineData("Vigil:Queries:MaxQueuedPerKey", "many", "Vigil:Queries:MaxQueuedPerKey")]
    [InlineData("Vigil:Quotas:SeriesPerKey", "0", "Vigil:Quotas:SeriesPerKey")]
    [InlineData("Vigil:Health:DatabaseDegradedAfter", "-00:00:01", "Vigil:Health:DatabaseDegradedAfter")]
    [InlineData("Vigil:Performance:MinExecutions", "0", "Vigil:Performance:MinExecutions")]
    [InlineData("Vigil:Performance:ChangePercent", "0", "Vigil:Performance:ChangePercent")]
    [InlineData("Vigil:Otlp:ResourceAttributes:host.name", "host name", "Vigil:Otlp:ResourceAttributes:host.name")]
    [InlineData("Vigil:Traces:SamplePercent", "150", "Vigil:Traces:SamplePercent")]
    [InlineData("Vigil:Traces:BudgetMb", "0", "Vigil:Traces:BudgetMb")]
    [InlineData("Vigil:Health:JobsFailureRatePercent", "150", "Vigil:Health:JobsFailureRatePercent")]
    [InlineData("Vigil:Redis:ConnectionString", "127.0.0.1:6379,bogus=1", "Vigil:Redis:ConnectionString")]
    [InlineData("Vigil:Http:ForwardedHeaders:KnownProxies:0", "proxy.internal", "Vigil:Http:ForwardedHeaders:KnownProxies:0")]
    [InlineData("Vigil:Http:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33", "Vigil:Http:ForwardedHeaders:KnownNetworks:0")]
    [InlineData("Vigil:Http:ForwardedHeaders:ForwardLimit", "0", "Vigil:Http:ForwardedHeaders:ForwardLimit")]
    [InlineData("Vigil:Quotas:SeriesPerKey", "lots", "Vigil:Quotas:SeriesPerKey")]
    [InlineData("Vigil:Quotas:PointsPerSecondPerKey", "100000001", "Vigil:Quotas:PointsPerSecondPerKey")]
    [InlineData("Vigil:StatusPage:CacheDuration", "00:11:00", "Vigil:StatusPage:CacheDuration")]
    [InlineData("Vigil:Cache:Short", "00:00:00", "Vigil:Cache:Short")]
    [InlineData("Vigil:Cache:Medium", "00:00:30", "Vigil:Cache:Medium")]
    [InlineData("Vigil:Cache:Enabled", "sometimes", "Vigil:Cache:Enabled")]
    [InlineData("Vigil:StatusPage:Enabled", "maybe", "Vigil:StatusPage:Enabled")]
    [InlineData("Vigil:Audit:RetentionDays", "0", "Vigil:Audit:RetentionDays")]
    [InlineData("Vigil:Audit:RetentionDays", "forever", "Vigil:Audit:RetentionDays")]
    [InlineData("Vigil:Secrets:MasterKey", "not-a-key", "Vigil:Secrets:MasterKey")]
    [InlineData("Vigil:Secrets:KeyFile", " ", "Vigil:Secrets:KeyFile")]
    [InlineData("Vigil:Schedules:cleanup:Cron", "every night", "Vigil:Schedules:cleanup:Cron 'every night' is not a valid cron expression")]
    [InlineData("Vigil:Schedules:health-check:TimeZone", "Mars/Olympus", "Vigil:Schedules:health-check:TimeZone 'Mars/Olympus'")]
    public async Task Run_BadSetting_ExitCode2NamingTheSetting(string setting, string value, string named)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value });
        builder.Services.AddVigilServer(builder.Configuration);
        await using var app = builder.Build();

        var problem = StartupChecks.Run(app.Services, urls: null);

        Assert.NotNull(problem);
        Assert.Equal(StartupChecks.BadSetting, problem.ExitCode);
        Assert.Contains(named, problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem.Message);
    }

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
