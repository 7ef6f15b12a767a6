using Vigil.Dashboard.Charts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Storage.Queries;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Explore;

/// <summary>
/// <c>/ui/data/series</c>: the explorer's query (the parameters of <c>/explore</c>) as chart
/// data, by the same query code as <c>GET /api/v1/series</c>; <c>exact=true</c> takes only the
/// series whose labels are exactly the matchers (the explorer's chart per series).
/// </summary>
public static class ExploreChartEndpoints
{
    /// <summary>Maps the chart data.</summary>
    public static IEndpointRouteBuilder MapExploreChartData(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/ui/data/series", GetAsync).RequireAuthorization(UserRoles.Viewer).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> GetAsync(HttpRequest request, MetricStore store, SeriesQuery series, QueryBudget budget, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = ExploreQuery.From(request.Query);
        var spec = query.ToSpec(store.NowMs, errors);
        if (spec is null)
        {
            return Results.ValidationProblem(errors, "The query is invalid.");
        }

        var outcome = await series.RunAsync(spec with { Exact = request.Query["exact"] == "true" }, budget, combine: false, cancellationToken).ConfigureAwait(false);
        return outcome is SeriesFound found ? Results.Json(SeriesCharts.Chart(spec, found)) : SeriesCharts.Problem(outcome, budget);
    }
}
