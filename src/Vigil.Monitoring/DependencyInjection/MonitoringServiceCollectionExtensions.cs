using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Monitoring;
using Vigil.Monitoring.Alerts;
using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Health;
using Vigil.Monitoring.Scheduling;
using Vigil.Monitoring.StatusPage;
using Vigil.Storage.Alerts;
using Vigil.Notifications.Destinations;
using Vigil.Storage.Monitors;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Vigil's uptime monitors.</summary>
public static class MonitoringServiceCollectionExtensions
{
    /// <summary>
    /// Adds uptime monitors: the checker (its connections through the notification channels'
    /// <see cref="DestinationGuard"/>), the scheduler as a hosted service, the catalog the API and
    /// pages read, and the <c>platforms</c> health check. The host provides the storage
    /// (<c>Database</c>), the <see cref="MetricStore"/>, the notifications (<c>AddVigilNotifications</c>)
    /// and, to raise <c>system_down</c>, an <see cref="IMonitorAlertSink"/>. Safe to call twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section <c>Vigil:Monitoring</c>.</param>
    public static IServiceCollection AddVigilMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(MonitorScheduler)))
        {
            return services;
        }

        services.AddOptions<MonitoringOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MonitorRepository>();
        services.TryAddSingleton<IMonitorAlertSink, NoMonitorAlerts>();
        services.AddSingleton(sp => new MonitorHttpClients(sp.GetRequiredService<DestinationGuard>()));
        services.AddSingleton(sp => new MonitorChecker(
            sp.GetRequiredService<MonitorHttpClients>(), sp.GetRequiredService<DestinationGuard>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<MonitoringOptions>>()));
        services.AddSingleton(sp => new MonitorValidator(sp.GetRequiredService<DestinationGuard>()));
        services.AddSingleton<MonitorLeader>();
        services.AddSingleton<MonitorMetrics>();
        services.AddSingleton<MonitorCatalog>();
        services.AddSingleton(sp => new CheckWriter(sp.GetRequiredService<MonitorRepository>(), sp.GetRequiredService<Logging.ILogger<CheckWriter>>()));
        services.AddSingleton(sp => new MonitorScheduler(
            sp.GetRequiredService<MonitorRepository>(), sp.GetRequiredService<MonitorChecker>(), sp.GetRequiredService<MonitorLeader>(), sp.GetRequiredService<IMonitorAlertSink>(),
            sp.GetRequiredService<CheckWriter>(), sp.GetRequiredService<MonitorMetrics>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<MonitoringOptions>>(), sp.GetRequiredService<Logging.ILogger<MonitorScheduler>>()));
        services.AddHostedService(sp => sp.GetRequiredService<MonitorScheduler>());
        services.AddHealthChecks().AddCheck<PlatformsHealthCheck>("platforms", tags: ["platforms", "monitors"]);
        return services;
    }

    /// <summary>
    /// Adds the public status page's view (<see cref="StatusPageReader"/>, shared through
    /// <c>HybridCache</c>); the host maps the page and <c>/api/v1/status</c>. Needs <see cref="AddVigilMonitoring"/>. Safe to call twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section <c>Vigil:StatusPage</c>.</param>
    public static IServiceCollection AddVigilStatusPage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(StatusPageReader)))
        {
            return services;
        }

        services.AddOptions<StatusPageOptions>().Bind(configuration).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<AlertRepository>();
        services.AddHybridCache();
        services.AddSingleton<StatusPageReader>();
        return services;
    }
}
