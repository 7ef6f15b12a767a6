using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Dashboard.Alerts;
using Vigil.Storage.Metrics;
using Vigil.Storage.Queries;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what the alert, notification and silence pages read.</summary>
public static class AlertPagesServiceCollectionExtensions
{
    /// <summary>The alert chart, and the series reader it shares with the series API; safe to call twice.</summary>
    public static IServiceCollection AddVigilAlertPages(this IServiceCollection services)
    {
        if (services.Any(s => s.ServiceType == typeof(AlertChart)))
        {
            return services;
        }

        services.TryAddSingleton<SeriesQuery>();
        services.TryAddSingleton<AlertChart>();
        services.TryAddSingleton<AlertDeliveries>();
        return services;
    }
}
