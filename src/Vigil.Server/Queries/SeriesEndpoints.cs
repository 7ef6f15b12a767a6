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
        HttpRequest request, MetricStore store, RollupRepository rollups, QueryBudget budget, CancellationToken cancellationToken)
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
        var splitMs = Math.Max(fromMs, store.MemoryHorizonMs);
        var windowSize = step ?? (to - from);
        var windowMs = (long)windowSize.TotalMilliseconds;
        var windows = (toMs - fromMs + windowMs - 1) / windowMs;

        // Every matching series, from memory and (for the part of the range before the
        // in-memory window) from the stored rollups; the work is bounded before each part is done.
        var sources = new Dictionary<string, SeriesSource>(StringComparer.Ordinal);
        if (family is not null)
        {
            foreach (var series in family.Series)
            {
                if (Matches(series.Labels, matchers))
                {
                    sources[series.Key] = new SeriesSource(series.Labels, series.IsError, series.Type == MetricType.Counter) { Memory = series };
                }
            }
        }

        var cost = new QueryCost(sources.Count, windows, 0);
        if (budget.Check(cost, Advice) is { } tooExpensive)
        {
            return tooExpensive;
        }

        if (fromMs < splitMs)
        {
            var storedToMs = Math.Min(splitMs, toMs);
            cost = cost with { StoredRows = await rollups.CountMetricRowsAsync(metric, fromMs, storedToMs, budget.RowsToCount(cost), cancellationToken).ConfigureAwait(false) };
            if (budget.Check(cost, Advice) is { } tooMuchHistory)
            {
                return tooMuchHistory;
            }

            foreach (var (stored, rollup) in await rollups.ReadMetricAsync(metric, fromMs, storedToMs, cancellationToken).ConfigureAwait(false))
            {
                if (!sources.TryGetValue(stored.Key, out var source))
                {
                    var labels = LabelSet.ParseKeyLabels(stored.Key);
                    if (!Matches(labels, matchers))
                    {
                        continue;
                    }

                    sources[stored.Key] = source = new SeriesSource(labels, MetricSeries.IsErrorStatus(labels["status"]), stored.Type == "counter");
                }

                source.Stored.Add(rollup);
            }

            // Series only the history holds are aggregated too.
            cost = cost with { Series = sources.Count };
            if (budget.Check(cost, Advice) is { } tooManySeries)
            {
                return tooManySeries;
            }
        }

        var accumulator = new WindowAccumulator();
        var result = new List<SeriesData>(sources.Count);
        foreach (var source in sources.Values.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal))
        {
            // A query that timed out or whose client went away stops here (see QueryGateMiddleware).
            cancellationToken.ThrowIfCancellationRequested();
            var points = new List<double[]>();
            var storedIndex = 0;
            for (var windowStart = fromMs; windowStart < toMs; windowStart += windowMs)
            {
                var windowEnd = Math.Min(toMs, windowStart + windowMs);
                accumulator.Reset();
                accumulator.IsCounter = source.IsCounter;
                while (storedIndex < source.Stored.Count && source.Stored[storedIndex].MinuteStartMs < windowEnd)
                {
                    if (source.Stored[storedIndex].MinuteStartMs >= windowStart)
                    {
                        accumulator.AddRollup(source.Stored[storedIndex], source.IsError);
                    }

                    storedIndex++;
                }

                source.Memory?.AggregateInto(accumulator, Math.Max(windowStart, splitMs), windowEnd);
                if (accumulator.Count > 0 && accumulator.Value(agg, TimeSpan.FromMilliseconds(windowEnd - windowStart)) is { } value)
                {
                    points.Add([windowStart / 1000.0, value]);
                }
            }

            result.Add(new SeriesData(source.Labels.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), points));
        }

        accumulator.Reset();
        return TypedResults.Ok(new SeriesResponse(metric, agg.ToWire(), from, to, step?.TotalSeconds, result));
    }

    private static bool Matches(LabelSet labels, List<KeyValuePair<string, string>> matchers)
    {
        foreach (var (name, value) in matchers)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class SeriesSource(LabelSet labels, bool isError, bool isCounter)
    {
        public LabelSet Labels { get; } = labels;

        public bool IsError { get; } = isError;

        public bool IsCounter { get; } = isCounter;

        public MetricSeries? Memory { get; init; }

        public List<Rollup> Stored { get; } = [];
    }
}
