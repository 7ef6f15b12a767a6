using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Health;
using Vigil.Health.Checks;
using Vigil.Health.Readiness;
using Vigil.Storage.Redis;
using Vigil.Health.Reports;
using Vigil.Health.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Vigil's own health checks and the resource sampler.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// Adds the health checks <c>database</c> (tagged ready), <c>jobs</c>, <c>advanced</c> (tagged
    /// detail) and, when <c>Vigil:Redis:ConnectionString</c> is set, <c>redis</c>; the shared
    /// <see cref="HealthReports"/>, the <see cref="StartupReadiness"/> gate, the
    /// <see cref="ResourceSampler"/> (with <see cref="OwnUptime"/>) and <see cref="DatabaseQuerySeries"/>. The host provides the <c>Database</c>, <c>JobQueue</c>,
    /// <c>AlertRepository</c>, <c>DeliveryGauges</c>, <c>MetricStore</c> and <c>VigilCache</c> (<c>AddVigilCache</c>). Safe to call twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The application's configuration (sections <c>Vigil:Health</c> and <c>Vigil:Redis</c>).</param>
    /// <returns>The health checks builder, to add more checks (the uptime monitors' <c>platforms</c>).</returns>
    public static IHealthChecksBuilder AddVigilHealth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddHealthChecks();
        if (services.Any(s => s.ServiceType == typeof(HealthReports)))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        // Every check without a timeout of its own gets Vigil:Health:CheckTimeout: a dependency
        // that never answers makes its check fail instead of holding the report.
        services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IOptions<HealthOptions>>((checks, health) =>
        {
            foreach (var registration in checks.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan))
            {
                registration.Timeout = health.Value.CheckTimeout;
            }
        });

        services.AddSingleton<HealthReports>();
        services.AddSingleton<StartupReadiness>();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<OwnUptime>();
        services.AddSingleton<ResourceSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<ResourceSampler>());
        services.AddHostedService<DatabaseQuerySeries>();

        builder.AddCheck<DatabaseHealthCheck>(VigilHealthChecks.Database, tags: [VigilHealthChecks.ReadyTag])
            .AddCheck<JobsHealthCheck>(VigilHealthChecks.Jobs)
            .AddCheck<AdvancedHealthCheck>(VigilHealthChecks.Advanced, tags: [VigilHealthChecks.DetailTag]);
        if (configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() is { Configured: true })
        {
            builder.AddCheck<RedisHealthCheck>(VigilHealthChecks.Redis);
        }

        return builder;
    }
}
