using Microsoft.AspNetCore.Routing;
using Vigil.Dashboard.Assets;
using Vigil.Dashboard.Auth;
using Vigil.Dashboard.Explore;
using Vigil.Dashboard.Overview;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Puts the dashboard into the request pipeline.</summary>
public static class DashboardApplicationBuilderExtensions
{
    /// <summary>Serves the embedded assets; call before authentication (they are public).</summary>
    public static IApplicationBuilder UseVigilDashboardAssets(this IApplicationBuilder app) =>
        app.UseStaticFiles(DashboardAssets.StaticFileOptions());

    /// <summary>Checks the antiforgery token of API changes made with the session cookie; call after authentication.</summary>
    public static IApplicationBuilder UseVigilDashboardAntiforgery(this IApplicationBuilder app) =>
        app.UseMiddleware<CookieApiAntiforgery>();

    /// <summary>Maps the pages.</summary>
    public static IEndpointRouteBuilder MapVigilDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        endpoints.MapOverviewChartData().MapExploreChartData();
        Vigil.Dashboard.Alerts.AlertChartEndpoints.MapAlertChartData(endpoints);
        Vigil.Dashboard.Monitors.MonitorChartEndpoints.MapMonitorChartData(endpoints);
        Vigil.Dashboard.Performance.PerformanceChartEndpoints.MapPerformanceChartData(endpoints);
        return endpoints;
    }
}
