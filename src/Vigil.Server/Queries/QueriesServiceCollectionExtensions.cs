using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Core.Queries;
using Vigil.Server.Queries;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the limits on heavy reads: options (<c>Vigil:Queries</c>), the cost budget and the query slots.</summary>
internal static class QueriesServiceCollectionExtensions
{
    public static IServiceCollection AddVigilQueries(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(QueryGate)))
        {
            return services;
        }

        services.AddOptions<QueryOptions>().Bind(configuration.GetSection(QueryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new QueryBudget(sp.GetRequiredService<IOptions<QueryOptions>>().Value.MaxCost, QueryOptions.Section + ":" + nameof(QueryOptions.MaxCost)));
        services.TryAddSingleton<QueryGate>();
        services.TryAddSingleton<Vigil.Storage.Metrics.SeriesReader>();
        return services;
    }
}
