using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Dashboard.Overview;
using Vigil.Storage.Queries;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the overview and the metrics explorer.</summary>
public static class OverviewServiceCollectionExtensions
{
    /// <summary>The overview's reader, the process sampler and the series query (the host registers the <c>QueryBudget</c>).</summary>
    public static IServiceCollection AddVigilOverview(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<OverviewReader>();
        services.TryAddSingleton<ResourceSampler>();
        services.TryAddSingleton<SeriesQuery>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
