using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// Replays a rule over stored history: at every step the window ending then is aggregated
/// from the 1-minute rollups, judged exactly as the live evaluation judges it
/// (<see cref="RuleEvaluator.Judge"/>), and run through the real alert state machine, so
/// <c>forSeconds</c>, the recovery threshold and the cooldown shape the answer as they would
/// have. Nothing is stored and nothing is sent.
/// </summary>
public static class RuleBacktest
{
    /// <summary>
    /// The transitions <paramref name="rule"/> would have made over [<paramref name="from"/>,
    /// <paramref name="to"/>), evaluating every <paramref name="step"/> (at least a minute,
    /// the rollups' resolution). <paramref name="baseline"/> serves dynamic rules.
    /// </summary>
    public static IReadOnlyList<BacktestEvent> Replay(
        AlertRule rule, IReadOnlyList<SeriesHistory> history, DateTimeOffset from, DateTimeOffset to, TimeSpan step, Func<LabelSet, double?>? baseline = null, CancellationToken cancellationToken = default) =>
        Replay(rule, history, from, to, step, baseline, onStep: null, cancellationToken);

    /// <summary>
    /// As <see cref="Replay(AlertRule, IReadOnlyList{SeriesHistory}, DateTimeOffset, DateTimeOffset, TimeSpan, Func{LabelSet, double?}?, CancellationToken)"/>,
    /// and reports every evaluation to <paramref name="onStep"/> (group by group, oldest first),
    /// so the value and threshold can be drawn beside the transitions.
    /// </summary>
    public static IReadOnlyList<BacktestEvent> Replay(
        AlertRule rule, IReadOnlyList<SeriesHistory> history, DateTimeOffset from, DateTimeOffset to, TimeSpan step, Func<LabelSet, double?>? baseline, Action<BacktestStep>? onStep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, TimeSpan.FromMinutes(1));
        var groups = new Dictionary<LabelSet, List<SeriesHistory>>();
        foreach (var series in history)
        {
            if (!RuleEvaluator.Matches(series.Labels, rule.Match))
            {
                continue;
            }

            var group = RuleEvaluator.GroupOf(rule, series.Labels);
            if (!groups.TryGetValue(group, out var members))
            {
                groups[group] = members = [];
            }

            members.Add(series);
        }

        var events = new List<BacktestEvent>();
        var accumulator = new WindowAccumulator();
        var windowMs = (long)rule.Window.TotalMilliseconds;
        var stepMs = (long)step.TotalMilliseconds;
        var startMs = from.ToUnixTimeMilliseconds();
        startMs -= startMs % 60_000; // rollups start on whole minutes
        var endMs = to.ToUnixTimeMilliseconds();
        var sequence = 0;
        foreach (var (group, members) in groups.OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            AlertInstance? open = null;
            DateTimeOffset? lastNotified = null;
            for (var atMs = startMs + stepMs; atMs <= endMs; atMs += stepMs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = DateTimeOffset.FromUnixTimeMilliseconds(atMs);
                var window = Aggregate(accumulator, members, rule, atMs - windowMs, atMs);
                var previous = rule.ThresholdType == ThresholdType.PercentChange
                    ? Aggregate(accumulator, members, rule, atMs - (2 * windowMs), atMs - windowMs)
                    : default;
                var outcome = RuleEvaluator.Judge(rule, group, window, previous, baseline);
                onStep?.Invoke(new BacktestStep(now, group, outcome.Value, outcome.Threshold, outcome.State));
                var evaluated = AlertLifecycle.Evaluate(rule, open, outcome, now, lastNotified, silenced: false, () => $"backtest-{++sequence}");
                LifecycleResult[] steps = evaluated.Alert is { IsOpen: true } alert
                    ? [evaluated, AlertLifecycle.Tick(rule, alert, now, silenced: false)] // as the engine's timer pass does
                    : [evaluated];
                foreach (var result in steps)
                {
                    var notified = result.Intents.Count > 0;
                    foreach (var transition in result.Transitions)
                    {
                        events.Add(new BacktestEvent(now, group, transition.From, transition.To, outcome.Value, outcome.Threshold, notified));
                    }
                }

                if (evaluated.Alert?.LastNotifiedAt is { } at)
                {
                    lastNotified = at;
                }

                open = evaluated.Alert is { IsOpen: true } still ? still : null;
            }
        }

        return [.. events.OrderBy(e => e.At).ThenBy(e => e.Group.ToString(), StringComparer.Ordinal)];
    }

    private static (double? Value, long Points) Aggregate(WindowAccumulator accumulator, List<SeriesHistory> members, AlertRule rule, long fromMs, long toMs)
    {
        accumulator.Reset();
        foreach (var series in members)
        {
            accumulator.IsCounter = series.IsCounter;
            var rollups = series.Rollups;
            for (var i = FirstAtOrAfter(rollups, fromMs); i < rollups.Count && rollups[i].MinuteStartMs < toMs; i++)
            {
                accumulator.AddRollup(rollups[i], series.IsError);
            }
        }

        return RuleEvaluator.Reduce(accumulator, rule.Aggregation, rule.Window);
    }

    private static int FirstAtOrAfter(IReadOnlyList<Rollup> rollups, long ms)
    {
        int low = 0, high = rollups.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (rollups[mid].MinuteStartMs < ms)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
