using Vigil.Dashboard.Charts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Dashboard.Explore;
using Vigil.Storage.Queries;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Overview;

/// <summary>
/// The overview's charts: <c>/ui/data/overview/{requests|p95|errors}?range=1h</c>, the request
/// rate, p95 and error rate across every series of the request-timing metric, one point per step.
/// </summary>
public static class OverviewChartEndpoints
{
    /// <summary>The charts, by name: title, aggregation.</summary>
    public static IReadOnlyDictionary<string, (string Title, Aggregation Aggregation)> Charts { get; } = new Dictionary<string, (string, Aggregation)>(StringComparer.Ordinal)
    {
        ["requests"] = ("Request rate", Aggregation.RatePerMinute),
        ["p95"] = ("Response time p95", Aggregation.P95),
        ["errors"] = ("Error rate", Aggregation.ErrorRatePercent),
    };

    /// <summary>Maps the chart data.</summary>
    public static IEndpointRouteBuilder MapOverviewChartData(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ui/data/overview/{chart}", GetAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(string chart, HttpRequest request, MetricStore store, SeriesQuery series, QueryBudget budget, CancellationToken cancellationToken)
    {
        if (!Charts.TryGetValue(chart, out var which))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no overview chart named '{chart}'.");
        }

        if (!OverviewRange.TryParse(request.Query["range"], out var range))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["range"] = [RangeProblem] });
        }

        var to = SeriesQuerySpec.DefaultTo(store.NowMs);
        var spec = new SeriesQuerySpec(PerformanceFigures.RequestMetric, [], which.Aggregation, to - range.Duration, to, range.Step);
        var outcome = await series.RunAsync(spec, budget, combine: true, cancellationToken).ConfigureAwait(false);
        if (outcome is not SeriesFound found)
        {
            return SeriesCharts.Problem(outcome, budget);
        }

        var data = SeriesCharts.Chart(spec, found);
        return Results.Json(data with { Series = [.. data.Series.Select(s => s with { Label = which.Title })] });
    }

    /// <summary>The problem of a range the overview does not offer.</summary>
    public static string RangeProblem => "must be one of " + string.Join(", ", OverviewRange.All.Select(r => r.Name));
}
