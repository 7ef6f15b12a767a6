using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Server.Http;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Queries;

/// <summary><c>GET /api/v1/series</c>: aggregates of one metric per label set, over a range or in steps.</summary>
internal static class SeriesEndpoints
{
    private const int MaxWindows = 11_000;

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
        HttpRequest request, MetricStore store, SeriesReader reader, QueryBudget budget, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var metric = query["metric"].ToString();
        if (string.IsNullOrEmpty(metric))
        {
            errors["metric"] = ["is required"];
        }

        var aggText = query["agg"].Count == 0 ? "avg" : query["agg"].ToString();
        if (!AggregationNames.TryParse(aggText, out var agg))
        {
            errors["agg"] = [$"'{aggText}' is not one of {string.Join(", ", AggregationNames.All)}"];
        }

        // By default the range ends after the bucket being filled, so what was just sent shows.
        var nowMs = store.NowMs;
        var bucketMs = (long)MetricsOptions.BucketSize.TotalMilliseconds;
        var to = DateTimeOffset.FromUnixTimeMilliseconds(nowMs - (nowMs % bucketMs) + bucketMs);
        if (query["to"].Count > 0)
        {
            if (QueryParsing.TryParseTime(query["to"], out var parsedTo))
            {
                to = parsedTo;
            }
            else
            {
                errors["to"] = [QueryParsing.TimeProblem];
            }
        }

        var from = to.AddHours(-1);
        if (query["from"].Count > 0)
        {
            if (QueryParsing.TryParseTime(query["from"], out var parsedFrom))
            {
                from = parsedFrom;
            }
            else
            {
                errors["from"] = [QueryParsing.TimeProblem];
            }
        }

        TimeSpan? step = null;
        if (query["step"].Count > 0)
        {
            if (!QueryParsing.TryParseDuration(query["step"], out var parsed))
            {
                errors["step"] = ["must be a duration such as 10s, 60s, 5m or 1h"];
            }
            else if (parsed.Ticks % MetricsOptions.BucketSize.Ticks != 0)
            {
                errors["step"] = ["must be a multiple of 10s (the bucket size)"];
            }
            else
            {
                step = parsed;
            }
        }

        var matchers = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in query)
        {
            if (key.StartsWith("match[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                matchers.Add(new(key[6..^1], values.ToString()));
            }
            else if (key is not ("metric" or "agg" or "from" or "to" or "step"))
            {
                errors[key] = ["is not a known parameter (metric, match[label], agg, from, to, step)"];
            }
        }

        if (errors.Count == 0 && from >= to)
        {
            errors["from"] = ["must be before 'to'"];
        }

        if (errors.Count == 0 && step is { } s && (to - from).Ticks / s.Ticks > MaxWindows)
        {
            errors["step"] = [$"gives more than {MaxWindows} points over the range; use a larger step"];
        }

        var family = errors.Count == 0 ? store.Family(metric) : null;
        if (family is not null && agg.Quantile() is not null && family.Type != MetricType.Timing)
        {
            errors["agg"] = [$"quantiles are kept for timings; '{metric}' is a {family.Type.ToWire()}"];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("The query is invalid.", errors);
        }

        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var windowMs = (long)(step ?? (to - from)).TotalMilliseconds;
        var answer = await reader.ReadAsync(new SeriesQuery(metric, matchers, agg, fromMs, toMs, windowMs), budget, cancellationToken).ConfigureAwait(false);
        if (answer.Refused is { } cost)
        {
            return budget.Check(cost, Advice)!;
        }

        var result = answer.Lines.Select(l => new SeriesData(l.Labels.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), l.Points)).ToList();
        return TypedResults.Ok(new SeriesResponse(metric, agg.ToWire(), from, to, step?.TotalSeconds, result));
    }
}
