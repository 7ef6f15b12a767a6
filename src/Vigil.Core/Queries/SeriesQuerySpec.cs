using Vigil.Core.Metrics;

namespace Vigil.Core.Queries;

/// <summary>What a series query asks for (<c>GET /api/v1/series</c>, the dashboard's explorer and charts).</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Matchers">Label equality matchers (<c>match[label]=value</c>); a missing label matches the empty value.</param>
/// <param name="Aggregation">How each window is reduced to one value.</param>
/// <param name="From">Start of the range (inclusive).</param>
/// <param name="To">End of the range (exclusive).</param>
/// <param name="Step">The window per point, or null for one point over the range.</param>
public sealed record SeriesQuerySpec(
    string Metric, IReadOnlyList<KeyValuePair<string, string>> Matchers, Aggregation Aggregation, DateTimeOffset From, DateTimeOffset To, TimeSpan? Step)
{
    /// <summary>The most points one series may have (range ÷ step).</summary>
    public const int MaxWindows = 11_000;

    /// <summary>The parameters <see cref="Parse"/> reads, besides <c>match[label]</c>.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["metric", "agg", "from", "to", "step"];

    /// <summary>Whether only series whose labels are exactly the matchers' are taken (one series, not those with more labels).</summary>
    public bool Exact { get; init; }

    /// <summary>
    /// The end of the default range: after the bucket being filled, so what was just sent shows.
    /// </summary>
    public static DateTimeOffset DefaultTo(long nowMs)
    {
        var bucketMs = (long)MetricsOptions.BucketSize.TotalMilliseconds;
        return DateTimeOffset.FromUnixTimeMilliseconds(nowMs - (nowMs % bucketMs) + bucketMs);
    }

    /// <summary>
    /// Reads a query from query-string parameters (<c>metric</c>, <c>match[label]</c>, <c>agg</c>
    /// default avg, <c>from</c>/<c>to</c> default the <paramref name="defaultRange"/> up to
    /// <see cref="DefaultTo"/>, <c>step</c> a multiple of 10 s). Each problem goes into
    /// <paramref name="errors"/> under the parameter's name.
    /// </summary>
    /// <param name="parameters">Every parameter once, with its values joined by commas.</param>
    /// <param name="nowMs">Now, Unix milliseconds.</param>
    /// <param name="defaultRange">The range when <c>from</c> is not given.</param>
    /// <param name="errors">Field problems, by parameter name.</param>
    /// <param name="isOtherParameter">Parameters the caller reads itself; any other unknown one is a problem.</param>
    /// <returns>The query, or null when <paramref name="errors"/> is not empty.</returns>
    public static SeriesQuerySpec? Parse(
        IEnumerable<KeyValuePair<string, string>> parameters, long nowMs, TimeSpan defaultRange, IDictionary<string, string[]> errors, Func<string, bool>? isOtherParameter = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(errors);
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        var matchers = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in parameters)
        {
            if (key.StartsWith("match[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                matchers.Add(new(key[6..^1], value));
            }
            else if (ParameterNames.Contains(key))
            {
                given[key] = value;
            }
            else if (isOtherParameter?.Invoke(key) != true)
            {
                errors[key] = ["is not a known parameter (metric, match[label], agg, from, to, step)"];
            }
        }

        var metric = given.GetValueOrDefault("metric") ?? "";
        if (metric.Length == 0)
        {
            errors["metric"] = ["is required"];
        }

        var aggText = given.GetValueOrDefault("agg") ?? "avg";
        if (!AggregationNames.TryParse(aggText, out var agg))
        {
            errors["agg"] = [$"'{aggText}' is not one of {string.Join(", ", AggregationNames.All)}"];
        }

        var to = DefaultTo(nowMs);
        if (given.TryGetValue("to", out var toText))
        {
            if (QueryText.TryParseTime(toText, out var parsedTo))
            {
                to = parsedTo;
            }
            else
            {
                errors["to"] = [QueryText.TimeProblem];
            }
        }

        var from = to - defaultRange;
        if (given.TryGetValue("from", out var fromText))
        {
            if (QueryText.TryParseTime(fromText, out var parsedFrom))
            {
                from = parsedFrom;
            }
            else
            {
                errors["from"] = [QueryText.TimeProblem];
            }
        }

        TimeSpan? step = null;
        if (given.TryGetValue("step", out var stepText))
        {
            if (!QueryText.TryParseDuration(stepText, out var parsed))
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

        if (errors.Count == 0 && from >= to)
        {
            errors["from"] = ["must be before 'to'"];
        }

        if (errors.Count == 0 && step is { } s && (to - from).Ticks / s.Ticks > MaxWindows)
        {
            errors["step"] = [$"gives more than {MaxWindows} points over the range; use a larger step"];
        }

        return errors.Count == 0 ? new SeriesQuerySpec(metric, matchers, agg, from, to, step) : null;
    }
}
