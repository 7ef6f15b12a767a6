using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Server.Http;
using Vigil.Storage.Queries;

namespace Vigil.Server.Queries;

/// <summary><c>GET /api/v1/series</c>: aggregates of one metric per label set, over a range or in steps.</summary>
internal static class SeriesEndpoints
{
    private static readonly Dictionary<string, string> Advice = new(StringComparer.Ordinal)
    {
        ["step"] = "use a larger step",
        ["from"] = "use a shorter range (from, to)",
        ["match"] = "match fewer series with match[label]=value",
    };

    public static IEndpointRouteBuilder MapSeriesEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/series", QueryAsync)
            .RequireAuthorization(Auth.Policies.Viewer)
            .WithTags("Queries")
            .WithSummary("Aggregates of a metric per label set: one point over [from, to), or one per step.")
            .WithDescription("Query: metric (required), match[label]=value (repeatable), agg (default avg), from and to (ISO-8601 or Unix seconds; default the hour up to the end of the current 10 s bucket), step (e.g. 60s, 5m; a multiple of 10 s). A query whose cost (series × steps + stored rows read × 10) is over Vigil:Queries:MaxCost is refused with 422.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithQueryLimits();
        return app;
    }

    private static async Task<Results<Ok<SeriesResponse>, ProblemHttpResult>> QueryAsync(
        HttpRequest request, MetricStore store, SeriesQuery series, QueryBudget budget, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var spec = SeriesQuerySpec.Parse(request.Query.Select(q => KeyValuePair.Create(q.Key, q.Value.ToString())), store.NowMs, TimeSpan.FromHours(1), errors);
        if (spec is null)
        {
            return Problems.Validation("The query is invalid.", errors);
        }

        switch (await series.RunAsync(spec, budget, combine: false, cancellationToken).ConfigureAwait(false))
        {
            case SeriesInvalid invalid:
                return Problems.Validation("The query is invalid.", new Dictionary<string, string[]>(StringComparer.Ordinal) { [invalid.Field] = [invalid.Message] });
            case SeriesRefused refused:
                return budget.Check(refused.Cost, Advice) ?? throw new InvalidOperationException("A refused query is over the budget.");
            case SeriesFound found:
                var result = found.Series.Select(s => new SeriesData(s.Labels.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), s.Points)).ToList();
                return TypedResults.Ok(new SeriesResponse(spec.Metric, spec.Aggregation.ToWire(), spec.From, spec.To, spec.Step?.TotalSeconds, result));
            default:
                throw new InvalidOperationException("Unknown series outcome.");
        }
    }
}
