using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>One series as a raw-points design keeps it: every timestamp and value, oldest first.</summary>
internal sealed class RawSeries(string name, LabelSet labels, MetricType type, long[] timestamps, double[] values)
{
    public string Name { get; } = name;

    public LabelSet Labels { get; } = labels;

    public MetricType Type { get; } = type;

    public bool IsError { get; } = MetricSeries.IsErrorStatus(labels["status"]);

    public long[] Timestamps { get; } = timestamps;

    public double[] Values { get; } = values;

    /// <summary>The index range of the points in [from, to).</summary>
    public (int Start, int End) Range(long fromMs, long toMs)
    {
        var start = Array.BinarySearch(Timestamps, fromMs);
        var end = Array.BinarySearch(Timestamps, toMs);
        return (start < 0 ? ~start : LowerBound(start, fromMs), end < 0 ? ~end : LowerBound(end, toMs));
    }

    private int LowerBound(int index, long ts)
    {
        while (index > 0 && Timestamps[index - 1] == ts)
        {
            index--;
        }

        return index;
    }
}

/// <summary>
/// The baseline of <see cref="RuleEvaluationBenchmarks"/>: what a user gets from a store that
/// keeps raw points (as the seeds did) and evaluates each rule on its own. Series are found
/// the same way as Vigil's (by metric name, then label matchers, then grouped), so only the
/// aggregation differs: quantiles copy the window's values of a group into a new array and
/// sort it (exact), the other aggregations loop over the window's values.
/// </summary>
internal sealed class NaiveRuleEvaluator(Dictionary<string, List<RawSeries>> families)
{
    private readonly Dictionary<LabelSet, List<RawSeries>> _groups = [];

    public static NaiveRuleEvaluator Build(ServiceShape shape, out long points)
    {
        var families = new Dictionary<string, List<RawSeries>>(StringComparer.Ordinal);
        long total = 0;
        var timestamps = new long[1024];
        var values = new double[1024];
        foreach (var spec in EvaluationWorkload.Series(shape))
        {
            var count = EvaluationWorkload.Points(spec, ref timestamps, ref values);
            if (spec.Type == MetricType.Timing)
            {
                for (var i = 0; i < count; i++)
                {
                    values[i] = Math.Round(values[i] * 1000) / 1000; // as Vigil keeps timings
                }
            }

            if (!families.TryGetValue(spec.Metric, out var family))
            {
                families[spec.Metric] = family = [];
            }

            family.Add(new RawSeries(spec.Metric, spec.Labels, spec.Type, timestamps[..count], values[..count]));
            total += count;
        }

        points = total;
        return new NaiveRuleEvaluator(families);
    }

    public List<GroupEvaluation> Evaluate(AlertRule rule, long nowMs)
    {
        if (!families.TryGetValue(rule.Metric, out var family))
        {
            return [];
        }

        _groups.Clear();
        foreach (var series in family)
        {
            if (!Matches(series.Labels, rule.Match))
            {
                continue;
            }

            var group = rule.GroupBy.Count == 0 ? LabelSet.Empty : series.Labels.Select(rule.GroupBy as IReadOnlyCollection<string> ?? [.. rule.GroupBy]);
            if (!_groups.TryGetValue(group, out var members))
            {
                _groups[group] = members = [];
            }

            members.Add(series);
        }

        var windowMs = (long)rule.Window.TotalMilliseconds;
        var results = new List<GroupEvaluation>(_groups.Count);
        foreach (var (group, members) in _groups)
        {
            var (value, points) = Aggregate(members, rule.Aggregation, nowMs - windowMs, nowMs + 1, rule.Window);
            if (points < rule.MinDataPoints || value is null)
            {
                results.Add(new GroupEvaluation(group, ConditionState.NotEnoughData, value, rule.Threshold, points, false));
                continue;
            }

            var current = value.Value;
            var threshold = rule.Threshold ?? 0;
            var met = rule.Comparison.Holds(current, threshold);
            results.Add(new GroupEvaluation(group, met ? ConditionState.Met : ConditionState.NotMet, current, threshold, points, !met));
        }

        _groups.Clear();
        return results;
    }

    private static (double? Value, long Points) Aggregate(List<RawSeries> members, Aggregation aggregation, long fromMs, long toMs, TimeSpan window)
    {
        long count = 0;
        long errors = 0;
        double sum = 0;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var isCounter = false;
        foreach (var series in members)
        {
            var (start, end) = series.Range(fromMs, toMs);
            isCounter = series.Type == MetricType.Counter;
            count += end - start;
            if (series.IsError)
            {
                errors += end - start;
            }

            for (var i = start; i < end; i++)
            {
                var v = series.Values[i];
                sum += v;
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        if (aggregation.Quantile() is { } q)
        {
            if (count == 0)
            {
                return (null, 0);
            }

            var window2 = new double[count];
            var next = 0;
            foreach (var series in members)
            {
                var (start, end) = series.Range(fromMs, toMs);
                Array.Copy(series.Values, start, window2, next, end - start);
                next += end - start;
            }

            Array.Sort(window2);
            return (window2[(long)(q * (count - 1))], count);
        }

        var rateBase = isCounter ? sum : count;
        double? value = aggregation switch
        {
            Aggregation.Count => count,
            Aggregation.Sum => sum,
            Aggregation.Min => count == 0 ? null : min,
            Aggregation.Max => count == 0 ? null : max,
            Aggregation.Avg => count == 0 ? null : sum / count,
            Aggregation.RatePerSecond => rateBase / window.TotalSeconds,
            Aggregation.RatePerMinute => rateBase / window.TotalMinutes,
            Aggregation.ErrorRatePercent => count == 0 ? null : 100.0 * errors / count,
            _ => throw new NotSupportedException(aggregation.ToString()),
        };
        return (value, count);
    }

    private static bool Matches(LabelSet labels, IReadOnlyDictionary<string, string> match)
    {
        foreach (var (name, value) in match)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
