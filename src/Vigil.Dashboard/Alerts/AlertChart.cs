using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Storage.Alerts;
using Vigil.Storage.Metrics;
using Vigil.Storage.Queries;
using Vigil.Dashboard.Charts;

namespace Vigil.Dashboard.Alerts;

/// <summary>
/// The chart of an alert's metric as its rule sees it: the rule's metric, its matchers and
/// the alert's group labels, all matching series reduced together with the rule's
/// aggregation, from before the alert started to its resolution (or now), with the threshold
/// and the pending and firing intervals.
/// </summary>
public sealed class AlertChart(AlertRepository alerts, IRuleSource rules, SeriesQuery query, MetricStore store, QueryBudget budget, TimeProvider time)
{
    /// <summary>About this many points per chart.</summary>
    public const int TargetPoints = 240;

    /// <summary>The chart of an alert; null when there is no such alert.</summary>
    /// <exception cref="QueryRefusedException">The query is over the query budget.</exception>
    public async Task<ChartData?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        if (await alerts.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } alert)
        {
            return null;
        }

        var rule = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == alert.RuleId);
        var shaded = Shades(alert);
        var threshold = alert.Threshold ?? (rule?.ThresholdType == ThresholdType.Static ? rule.Threshold : null);
        var thresholdLabel = rule is null ? "threshold" : $"threshold ({AlertText.Comparison(rule.Comparison)})";
        if (rule is null)
        {
            return new ChartData("", [], threshold, thresholdLabel, null, shaded);
        }

        var (fromMs, toMs, stepMs) = Range(alert, rule, time.GetUtcNow().ToUnixTimeMilliseconds(), store.MemoryHorizonMs);
        var matchers = new Dictionary<string, string>(rule.Match, StringComparer.Ordinal);
        foreach (var (name, value) in alert.Group.Pairs)
        {
            matchers[name] = value;
        }

        var spec = new SeriesQuerySpec(rule.Metric, [.. matchers], rule.Aggregation,
            DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs), TimeSpan.FromMilliseconds(stepMs));
        var lines = await query.RunAsync(spec, budget, combine: true, cancellationToken).ConfigureAwait(false) switch
        {
            SeriesFound found => found.Series,
            SeriesRefused refused => throw new QueryRefusedException(budget.Explain(refused.Cost, ["the alert covers a long time: open the metrics explorer with a larger step"])),
            SeriesInvalid invalid => throw new InvalidOperationException($"The alert's chart query is invalid ({invalid.Field}: {invalid.Message})."),
            var other => throw new InvalidOperationException($"Unexpected series outcome {other}."),
        };

        var label = $"{rule.Aggregation.ToWire()}({rule.Metric}{(matchers.Count == 0 ? "" : "{" + string.Join(", ", matchers.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}")) + "}")})";
        var unit = rule.Aggregation switch
        {
            Aggregation.ErrorRatePercent => "%",
            Aggregation.RatePerSecond => "/s",
            Aggregation.RatePerMinute => "/min",
            Aggregation.Count => "",
            _ => store.Family(rule.Metric)?.Type == MetricType.Timing ? "ms" : "",
        };
        return new ChartData(unit, [.. lines.Select(l => new ChartLine(label, Spanning(l.Points, fromMs, toMs)))], threshold, thresholdLabel, null, shaded);
    }

    /// <summary>
    /// From a few rule windows before the alert started to a little after it resolved (or to
    /// now), in steps giving about <see cref="TargetPoints"/> points: a multiple of the 10 s
    /// bucket, and of a minute where the range reaches into the stored rollups.
    /// </summary>
    internal static (long FromMs, long ToMs, long StepMs) Range(AlertInstance alert, AlertRule rule, long nowMs, long memoryHorizonMs)
    {
        const long bucketMs = 10_000;
        var startMs = alert.StartedAt.ToUnixTimeMilliseconds();
        var lead = Math.Max((long)(rule.Window.TotalMilliseconds * 3), 10 * 60_000L);
        var endMs = alert.ResolvedAt is { } resolved ? Math.Min(nowMs, resolved.ToUnixTimeMilliseconds() + Math.Max(lead / 2, 5 * 60_000L)) : nowMs;
        var fromMs = startMs - lead;
        var toMs = Math.Max(endMs, startMs + bucketMs);
        toMs = toMs - (toMs % bucketMs) + bucketMs; // the bucket being filled shows
        var unit = fromMs < memoryHorizonMs ? 60_000L : bucketMs;
        var stepMs = Math.Max(unit, (toMs - fromMs) / TargetPoints / unit * unit);
        fromMs -= fromMs % stepMs;
        return (fromMs, toMs, stepMs);
    }

    /// <summary>
    /// The points with empty (null) ends at the range's start and end, so the time axis covers
    /// the whole range (up to the end of the bucket being filled) however few windows hold data.
    /// </summary>
    internal static List<double?[]> Spanning(IReadOnlyList<double[]> points, long fromMs, long toMs)
    {
        var first = fromMs / 1000.0;
        var last = toMs / 1000.0;
        var spanned = new List<double?[]>(points.Count + 2);
        if (points.Count == 0 || points[0][0] > first)
        {
            spanned.Add([first, null]);
        }

        spanned.AddRange(points.Select(p => new double?[] { p[0], p[1] }));
        if (last > first && (points.Count == 0 || points[^1][0] < last))
        {
            spanned.Add([last, null]);
        }

        return spanned;
    }

    /// <summary>The pending interval and the firing one (until resolved), in unix seconds.</summary>
    internal static IReadOnlyList<ChartShade> Shades(AlertInstance alert)
    {
        static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;
        var shades = new List<ChartShade>();
        var resolved = alert.ResolvedAt is { } r ? Seconds(r) : (double?)null;
        if (alert.FiringSince is { } firing)
        {
            if (firing > alert.StartedAt)
            {
                shades.Add(new ChartShade(Seconds(alert.StartedAt), Seconds(firing), "pending"));
            }

            shades.Add(new ChartShade(Seconds(firing), resolved, "firing"));
        }
        else
        {
            shades.Add(new ChartShade(Seconds(alert.StartedAt), resolved, "pending"));
        }

        return shades;
    }
}

/// <summary>A chart's query is over the query budget.</summary>
public sealed class QueryRefusedException(string message) : Exception(message);
