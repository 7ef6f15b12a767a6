using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// A rule's window without its worst minutes (<see cref="AlertRule.TrimMinutes"/>): the minutes
/// that push the value furthest toward the condition are left out before the window is reduced.
/// For an error rate that is the minutes with the most errors (or, compared from above, with the
/// most requests that did not fail): a minute's own rate over a handful of requests says little,
/// its errors say how much it moves the window. For the other aggregations it is the minutes whose
/// own value is furthest past (the slowest minute's p50 for a <c>greater_than</c> rule). A one-minute
/// burst is then never in the value, however long the window; a sustained change loses one
/// minute's worth of evidence. The live evaluation and the backtest trim alike.
/// </summary>
internal static class WindowTrim
{
    /// <summary>The longest window a rule can trim: each of its minutes is reduced apart on every evaluation.</summary>
    public const int MaxWindowMinutes = 60;

    /// <summary>Whether a window of <paramref name="aggregation"/> can be trimmed (not counts, sums and rates, whose value is the window's total, nor last).</summary>
    public static bool Applies(Aggregation aggregation) =>
        aggregation is Aggregation.Avg or Aggregation.Min or Aggregation.Max or Aggregation.ErrorRatePercent
        || aggregation.Quantile() is not null;

    /// <summary>
    /// Merges the minutes of <paramref name="source"/> into <paramref name="into"/>, except the
    /// rule's <see cref="AlertRule.TrimMinutes"/> worst ones (minutes without points are never
    /// among them; the earlier of two alike stays out). Each minute is read twice: once into
    /// <paramref name="scratch"/> to judge it, once into <paramref name="into"/> if it stays.
    /// </summary>
    public static void Merge<TMinutes>(WindowAccumulator into, ref TMinutes source, AlertRule rule, WindowAccumulator scratch)
        where TMinutes : struct, IMinutes
    {
        var trim = Math.Clamp(rule.TrimMinutes, 0, MaxWindowMinutes);
        Span<int> worst = stackalloc int[trim];
        Span<double> scores = stackalloc double[trim];
        var found = 0;
        var fromAbove = rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual;
        for (var i = 0; i < source.Count && trim > 0; i++)
        {
            scratch.Reset();
            source.AddTo(i, scratch);
            if (scratch.Count == 0 || Score(scratch, rule.Aggregation, fromAbove) is not { } score)
            {
                continue;
            }

            // Keep the worst so far in order, highest first.
            if (found == trim && !(score > scores[found - 1]))
            {
                continue;
            }

            var at = found < trim ? found++ : found - 1;
            while (at > 0 && score > scores[at - 1])
            {
                scores[at] = scores[at - 1];
                worst[at] = worst[at - 1];
                at--;
            }

            scores[at] = score;
            worst[at] = i;
        }

        var left = worst[..found];
        for (var i = 0; i < source.Count; i++)
        {
            if (!left.Contains(i))
            {
                source.AddTo(i, into);
            }
        }
    }

    /// <summary>How far one minute (merged into <paramref name="minute"/>) pushes the window toward the condition (higher is further); null when it cannot tell.</summary>
    private static double? Score(WindowAccumulator minute, Aggregation aggregation, bool fromAbove)
    {
        if (aggregation == Aggregation.ErrorRatePercent)
        {
            return fromAbove ? minute.Count - minute.ErrorCount : minute.ErrorCount;
        }

        return minute.Value(aggregation, TimeSpan.FromMinutes(1)) is { } value && !double.IsNaN(value) ? (fromAbove ? -value : value) : null;
    }

    /// <summary>A window's minutes, in time order, each added to an accumulator on demand.</summary>
    public interface IMinutes
    {
        /// <summary>How many minutes the window has.</summary>
        int Count { get; }

        /// <summary>Merges minute <paramref name="index"/> into <paramref name="accumulator"/>.</summary>
        void AddTo(int index, WindowAccumulator accumulator);
    }

    /// <summary>Minutes already merged (a backtest's rollups of a group): <paramref name="minutes"/>[<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>).</summary>
    public readonly struct MergedMinutes(IReadOnlyList<MergedMinute> minutes, int first, int count) : IMinutes
    {
        public int Count => count;

        public void AddTo(int index, WindowAccumulator accumulator) => accumulator.AddMinute(minutes[first + index]);
    }
}
