using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Vigil.Dashboard.Charts;
using Vigil.Monitoring;
using Vigil.Storage.Monitors;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Monitors;

/// <summary>
/// <c>GET /ui/data/monitors/{id}/chart</c>: a monitor's response times over its latest checks
/// (vigil.js's chart contract), its degraded threshold as the line, failing checks shaded.
/// </summary>
public static class MonitorChartEndpoints
{
    /// <summary>Checks drawn at most (the latest).</summary>
    public const int MaxChecks = 500;

    /// <summary>Maps the monitor chart's data.</summary>
    public static IEndpointRouteBuilder MapMonitorChartData(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ui/data/monitors/{id}/chart", GetAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<Results<Ok<ChartData>, ProblemHttpResult>> GetAsync(string id, MonitorCatalog catalog, MonitorRepository repository, CancellationToken cancellationToken)
    {
        if (id.Length > 64 || await catalog.GetAsync(id, 0, cancellationToken).ConfigureAwait(false) is not { } monitor)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "There is no such monitor.");
        }

        var checks = await repository.ChecksAsync(id, null, MaxChecks, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Chart(monitor, checks));
    }

    /// <summary>The chart of a monitor's checks (given newest first, as stored).</summary>
    public static ChartData Chart(MonitorView monitor, IReadOnlyList<StoredCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(checks);
        var points = new List<double?[]>(checks.Count);
        var shaded = new List<ChartShade>();
        double? failingFrom = null;
        for (var i = checks.Count - 1; i >= 0; i--)
        {
            var check = checks[i];
            var at = check.CheckedAtMs / 1000.0;
            points.Add([at, check.ResponseMs]);
            var failing = check.Status is "down" or "pending";
            if (failing && failingFrom is null)
            {
                failingFrom = at;
            }
            else if (!failing && failingFrom is { } from)
            {
                shaded.Add(new ChartShade(from, at, "firing"));
                failingFrom = null;
            }
        }

        if (failingFrom is { } open)
        {
            shaded.Add(new ChartShade(open, null, "firing"));
        }

        double? threshold = monitor.Definition.DegradedAboveMs;
        return new ChartData("ms", [new ChartLine("response time", points)], threshold, threshold is null ? null : "degraded above", Shaded: shaded);
    }
}
