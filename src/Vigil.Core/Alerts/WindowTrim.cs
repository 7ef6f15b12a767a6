using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// A rule's window without its worst minutes (<see cref="AlertRule.TrimMinutes"/>): the minutes
/// that push the value furthest toward the condition are left out before the window is reduced.
/// For an error rate that is the minutes with the most errors beyond what the window's rate gives
/// their requests (compared from above, the most short of it): a minute's own rate over a handful
/// of requests says little, its excess errors say how much it moves the window; a minute without
/// excess is never left out. For the other aggregations it is the minutes whose own value is
/// furthest past (the slowest minute's p50 for a <c>greater_than</c> rule). A one-minute
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
    /// Whether trimming can move a window of <paramref name="aggregation"/> compared by
    /// <paramref name="comparison"/>: not for <c>equal</c> (no side is past), nor for a min compared
    /// from below or a max from above (leaving out the minute with the highest minimum does not move
    /// the window's minimum).
    /// </summary>
    public static bool Applies(Aggregation aggregation, Comparison comparison) =>
        Applies(aggregation) && comparison != Comparison.Equal
        && !(aggregation == Aggregation.Min && comparison is Comparison.GreaterThan or Comparison.GreaterOrEqual)
        && !(aggregation == Aggregation.Max && comparison is Comparison.LessThan or Comparison.LessOrEqual);

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
        var count = trim == 0 ? 0 : Math.Min(source.Count, MaxWindowMinutes + 1);
        Span<double> scores = stackalloc double[count];
        Span<long> points = stackalloc long[count];
        Span<long> errors = stackalloc long[count];
        long allPoints = 0, allErrors = 0;
        var fromAbove = rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual;
        for (var i = 0; i < count; i++)
        {
            scratch.Reset();
            source.AddTo(i, scratch);
            (points[i], errors[i]) = (scratch.Count, scratch.ErrorCount);
            (allPoints, allErrors) = (allPoints + scratch.Count, allErrors + scratch.ErrorCount);
            scores[i] = scratch.Count == 0 || rule.Aggregation == Aggregation.ErrorRatePercent
                || scratch.Value(rule.Aggregation, TimeSpan.FromMinutes(1)) is not { } value || double.IsNaN(value)
                ? double.NaN
                : fromAbove ? -value : value;
        }

        if (rule.Aggregation == Aggregation.ErrorRatePercent && allPoints > 0)
        {
            // A minute's errors beyond what the window's rate gives its requests (short of it, compared from above).
            var rate = (double)allErrors / allPoints;
            for (var i = 0; i < count; i++)
            {
                var excess = errors[i] - (rate * points[i]);
                var score = fromAbove ? -excess : excess;
                scores[i] = points[i] > 0 && score > 0 ? score : double.NaN; // a minute that does not push the rate that way stays
            }
        }

        // The worst minutes, highest score first; of two alike the earlier.
        Span<int> worst = stackalloc int[trim];
        var found = 0;
        for (var i = 0; i < count; i++)
        {
            var score = scores[i];
            if (double.IsNaN(score) || (found == trim && !(score > scores[worst[found - 1]])))
            {
                continue;
            }

            var at = found < trim ? found++ : found - 1;
            while (at > 0 && score > scores[worst[at - 1]])
            {
                worst[at] = worst[at - 1];
                at--;
            }

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
