using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Scheduling;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Scheduling;

/// <summary>The schedules as settings: defaults, overrides, and a bad setting stopping the start.</summary>
public sealed class ScheduleSettingsTests
{
    [Fact]
    public void AddVigilSchedules_NoSettings_SeedDefaultsInUtc()
    {
        using var provider = Services([]).BuildServiceProvider();
        var schedules = provider.GetRequiredService<ScheduleService>();

        Assert.Equal(["health-check", "aggregation", "dead-letter-retry", "cleanup"], schedules.Names);
        var cleanup = schedules.Get("cleanup");
        Assert.Equal("0 2 * * *", cleanup.Cron);
        Assert.True(cleanup.Enabled);
        Assert.Same(TimeZoneInfo.Utc, cleanup.TimeZone);
        Assert.Equal(["jobs.dead-letters"], schedules.TasksOf("dead-letter-retry").Select(t => t.Name));
        Assert.Equal(["jobs.finished-retention"], schedules.TasksOf("cleanup").Select(t => t.Name));

        // The queue's dead-letter pass and cleanup are these tasks now, not also the processor's own loop.
        Assert.True(provider.GetRequiredService<IOptions<Vigil.Jobs.Configuration.JobsOptions>>().Value.MaintenanceScheduled);
    }

    [Fact]
    public void AddVigilSchedules_Settings_OverrideCronEnabledAndTimeZone()
    {
        using var provider = Services(new()
        {
            ["Vigil:Schedules:health-check:Cron"] = "*/10 * * * *",
            ["Vigil:Schedules:health-check:Enabled"] = "false",
            ["Vigil:Schedules:health-check:TimeZone"] = "Europe/Paris",
        }).BuildServiceProvider();

        var health = provider.GetRequiredService<ScheduleService>().Get("health-check");

        Assert.Equal("*/10 * * * *", health.Cron);
        Assert.False(health.Enabled);
        Assert.Equal("Europe/Paris", health.TimeZone.Id);
        Assert.Equal("3,33 * * * *", provider.GetRequiredService<ScheduleService>().Get("aggregation").Cron);
    }

    [Theory]
    [InlineData("Vigil:Schedules:cleanup:Cron", "every night at two", "Vigil:Schedules:cleanup:Cron 'every night at two' is not a valid cron expression")]
    [InlineData("Vigil:Schedules:health-check:TimeZone", "Nowhere/Special", "Vigil:Schedules:health-check:TimeZone 'Nowhere/Special' is not a known time zone")]
    public async Task Start_BadSetting_FailsNamingTheSetting(string key, string value, string expected)
    {
        using var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }))
            .ConfigureServices((context, services) => Services([], services, context.Configuration))
            .Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static IServiceCollection Services(Dictionary<string, string?> settings, IServiceCollection? services = null, IConfiguration? configuration = null)
    {
        services ??= new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new Database(new StorageOptions()));
        services.AddVigilSchedules(configuration ?? new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddVigilSchedules(configuration ?? new ConfigurationBuilder().Build()); // a second call changes nothing
        return services;
    }
}
