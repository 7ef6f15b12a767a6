using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>Whether a rule's condition holds for one group.</summary>
public enum ConditionState
{
    /// <summary>The condition holds.</summary>
    Met,

    /// <summary>The condition does not hold.</summary>
    NotMet,

    /// <summary>Too few points in the window (or no baseline / previous window): neither firing nor resolved.</summary>
    NotEnoughData,
}

/// <summary>The outcome of one rule for one group at one instant.</summary>
/// <param name="Group">The group's labels (the rule's <c>groupBy</c> labels; empty without grouping).</param>
/// <param name="State">Whether the condition holds.</param>
/// <param name="Value">The aggregate (the percent change for <c>percent_change</c> rules), or null.</param>
/// <param name="Threshold">The threshold in force (the baseline × multiplier for dynamic rules), or null.</param>
/// <param name="DataPoints">Points in the window.</param>
/// <param name="Recovered">Whether the value is back past the recovery threshold (equals "not met" without one).</param>
public sealed record GroupEvaluation(LabelSet Group, ConditionState State, double? Value, double? Threshold, long DataPoints, bool Recovered);

/// <summary>
/// Evaluates rules against the in-memory aggregates: finds the series of the rule's metric
/// that match its labels, groups them, merges each group's buckets over the window and
/// compares the aggregate with the threshold. One instance per evaluating thread (it keeps a
/// 32 KB accumulator for reuse).
/// </summary>
public sealed class RuleEvaluator
{
    private readonly WindowAccumulator _accumulator = new();
    private readonly Dictionary<LabelSet, List<MetricSeries>> _groups = [];

    /// <summary>
    /// Evaluates <paramref name="rule"/> at <paramref name="nowMs"/>. Groups with no series
    /// at all do not appear. <paramref name="baseline"/> gives the baseline of a group for
    /// dynamic rules (null when there is none yet).
    /// </summary>
    public IReadOnlyList<GroupEvaluation> Evaluate(AlertRule rule, MetricStore store, long nowMs, Func<LabelSet, double?>? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(store);
        if (store.Family(rule.Metric) is not { } family)
        {
            return [];
        }

        _groups.Clear();

        foreach (var series in family.Series)
        {
            if (!Matches(series.Labels, rule.Match))
            {
                continue;
            }

            var group = GroupOf(rule, series.Labels);
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
            var current = Aggregate(members, rule.Aggregation, nowMs - windowMs, nowMs + 1, rule.Window);
            var previous = rule.ThresholdType == ThresholdType.PercentChange
                ? Aggregate(members, rule.Aggregation, nowMs - (2 * windowMs), nowMs - windowMs, rule.Window)
                : default;
            results.Add(Judge(rule, group, current, previous, baseline));
        }

        _groups.Clear();
        return results;
    }

    /// <summary>
    /// Compares one group's window aggregate with the rule's threshold. <paramref name="previousWindow"/>
    /// is the aggregate of the window before (read only for <c>percent_change</c> rules);
    /// <paramref name="baseline"/> the group's baseline (dynamic rules). Shared by the live
    /// evaluation and the backtest over stored history, so both judge alike.
    /// </summary>
    public static GroupEvaluation Judge(AlertRule rule, LabelSet group, (double? Value, long Points) window, (double? Value, long Points) previousWindow, Func<LabelSet, double?>? baseline)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (value, points) = window;
        if (points < rule.MinDataPoints || value is null)
        {
            return new GroupEvaluation(group, ConditionState.NotEnoughData, value, rule.Threshold, points, Recovered: false);
        }

        double threshold;
        var current = value.Value;
        switch (rule.ThresholdType)
        {
            case ThresholdType.Dynamic:
                if (baseline?.Invoke(group) is not { } reference || rule.BaselineMultiplier is not { } multiplier)
                {
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, value, null, points, Recovered: false);
                }

                threshold = reference * multiplier;
                break;
            case ThresholdType.PercentChange:
                var (previous, previousPoints) = previousWindow;
                if (previous is not { } before || before == 0 || previousPoints < rule.MinDataPoints)
                {
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, null, rule.Threshold, points, Recovered: false);
                }

                current = 100 * (current - before) / Math.Abs(before);
                threshold = rule.Threshold ?? 0;
                break;
            default:
                threshold = rule.Threshold ?? 0;
                break;
        }

        var met = rule.Comparison.Holds(current, threshold);
        var recovered = !met && (rule.RecoveryThreshold is not { } recovery || !rule.Comparison.Holds(current, recovery));
        return new GroupEvaluation(group, met ? ConditionState.Met : ConditionState.NotMet, current, threshold, points, recovered);
    }

    /// <summary>
    /// Reduces what <paramref name="accumulator"/> holds with <paramref name="aggregation"/>:
    /// counts, sums and rates of an empty window are zero (a throughput drop is an alert);
    /// everything else needs points.
    /// </summary>
    public static (double? Value, long Points) Reduce(WindowAccumulator accumulator, Aggregation aggregation, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        var points = accumulator.Count;
        var value = points == 0 && aggregation is not (Aggregation.Count or Aggregation.Sum or Aggregation.RatePerSecond or Aggregation.RatePerMinute)
            ? null
            : accumulator.Value(aggregation, window);
        return (value, points);
    }

    /// <summary>Whether a series' labels satisfy a rule's exact matchers (a missing label matches "").</summary>
    public static bool Matches(LabelSet labels, IReadOnlyDictionary<string, string> match)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(match);
        foreach (var (name, value) in match)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The group a series falls in under a rule's <c>groupBy</c>.</summary>
    public static LabelSet GroupOf(AlertRule rule, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(labels);
        return rule.GroupBy.Count == 0 ? LabelSet.Empty : labels.Select(rule.GroupBy as IReadOnlyCollection<string> ?? [.. rule.GroupBy]);
    }

    private (double? Value, long Points) Aggregate(List<MetricSeries> members, Aggregation aggregation, long fromMs, long toMs, TimeSpan window)
    {
        _accumulator.Reset();
        foreach (var series in members)
        {
            series.AggregateInto(_accumulator, fromMs, toMs);
        }

        return Reduce(_accumulator, aggregation, window);
    }
}
