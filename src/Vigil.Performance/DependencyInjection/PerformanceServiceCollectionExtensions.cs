using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Performance;
using Vigil.Performance.Analysis;
using Vigil.Performance.Operations;
using Vigil.Performance.Regressions;
using Vigil.Performance.Slos;
using Vigil.Storage.Performance;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers performance tracking.</summary>
public static class PerformanceServiceCollectionExtensions
{
    /// <summary>
    /// Adds performance tracking: its options (<c>Vigil:Performance</c>, checked at start-up), the
    /// <see cref="OperationCatalog"/>, the <see cref="OperationsView"/> the API reads through, the
    /// analysis as a task of the <c>aggregation</c> schedule, the <see cref="RegressionMonitor"/> and the <see cref="SloTracker"/>.
    /// The host provides the <c>Database</c>, <c>RollupRepository</c>, <c>MetricStore</c> and an
    /// <see cref="IPerformanceAlertSink"/> (without one, regressions are stored but raise no alert).
    /// </summary>
    public static IServiceCollection AddVigilPerformance(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PerformanceOptions>().Bind(configuration.GetSection(PerformanceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<PerformanceOptions>, PerformanceOptionsValidator>();
        services.AddSingleton(sp => new OperationCatalog(sp.GetRequiredService<IOptions<PerformanceOptions>>().Value.Sources));
        services.AddSingleton<OperationRepository>();
        services.AddSingleton<OperationsView>();
        services.AddScheduledTask<OperationAnalysis>();
        services.AddSingleton<RegressionRepository>();
        services.AddSingleton<RegressionMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<RegressionMonitor>());
        services.AddSingleton<SloRepository>();
        services.AddSingleton<SloTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<SloTracker>());
        return services;
    }
}
