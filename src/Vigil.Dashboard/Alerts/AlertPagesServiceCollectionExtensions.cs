using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Dashboard.Alerts;
using Vigil.Storage.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what the alert, notification and silence pages read.</summary>
public static class AlertPagesServiceCollectionExtensions
{
    /// <summary>The alert chart and the series reader it shares with the series API; safe to call twice.</summary>
    public static IServiceCollection AddVigilAlertPages(this IServiceCollection services)
    {
        services.TryAddSingleton<SeriesReader>();
        services.TryAddSingleton<AlertChart>();
        services.TryAddSingleton<AlertDeliveries>();
        services.Configure<Microsoft.AspNetCore.Mvc.RazorPages.RazorPagesOptions>(options =>
        {
            // Seed 004 names the alerts page /settings/alerts.
            if (!options.Conventions.OfType<Microsoft.AspNetCore.Mvc.ApplicationModels.IPageRouteModelConvention>().Any(c => c is SettingsAlertsRoute))
            {
                options.Conventions.Add(new SettingsAlertsRoute());
            }
        });
        return services;
    }
}

/// <summary>Adds <c>/settings/alerts</c> to the alerts page.</summary>
internal sealed class SettingsAlertsRoute : Microsoft.AspNetCore.Mvc.ApplicationModels.IPageRouteModelConvention
{
    public void Apply(Microsoft.AspNetCore.Mvc.ApplicationModels.PageRouteModel model)
    {
        if (model.ViewEnginePath == "/Alerts/Index")
        {
            model.Selectors.Add(new Microsoft.AspNetCore.Mvc.ApplicationModels.SelectorModel
            {
                AttributeRouteModel = new Microsoft.AspNetCore.Mvc.ApplicationModels.AttributeRouteModel { Template = "settings/alerts" },
            });
        }
    }
}
