namespace Vigil.Performance.Slos;

/// <summary>One point of a burn-down: the budget left at the end of an hour.</summary>
/// <param name="AtMs">The end of the hour (Unix ms).</param>
/// <param name="RemainingPercent">The error budget left, percent of the window's (negative when overspent).</param>
/// <param name="EvenPercent">What would be left had the budget been spent evenly over the window (burn rate 1).</param>
public readonly record struct BurnDownPoint(long AtMs, double RemainingPercent, double EvenPercent);

/// <summary>
/// An objective's error-budget burn-down over its rolling window: starting from the whole budget
/// at the window's start, each hour's bad events spend it. The budget is the share the objective
/// allows of all the window's events, so the last point is the budget the status reports left
/// (up to the hour under way, which the stored hours do not hold yet).
/// </summary>
public static class SloBurnDown
{
    private const long HourMs = 3_600_000;

    /// <summary>
    /// The burn-down of <paramref name="definition"/> over the window ending at
    /// <paramref name="toMs"/> (an hour's end), from its stored hours (any order; hours outside the
    /// window are ignored); empty when the window holds no event.
    /// </summary>
    public static IReadOnlyList<BurnDownPoint> Of(SloDefinition definition, IEnumerable<(long HourMs, double Good, double Total)> hours, long toMs)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(hours);
        var windowMs = definition.WindowDays * 24 * HourMs;
        var fromMs = toMs - windowMs;
        var inWindow = hours.Where(h => h.HourMs >= fromMs && h.HourMs < toMs).OrderBy(h => h.HourMs).ToArray();
        var total = inWindow.Sum(h => h.Total);
        if (total <= 0)
        {
            return [];
        }

        var allowedBad = definition.BudgetFraction * total;
        var points = new List<BurnDownPoint>(inWindow.Length + 1) { new(fromMs, 100, 100) };
        var bad = 0.0;
        foreach (var (hourMs, good, hourTotal) in inWindow)
        {
            bad += hourTotal - good;
            var atMs = hourMs + HourMs;
            points.Add(new BurnDownPoint(atMs, Math.Round(100 * (1 - (bad / allowedBad)), 2), Math.Round(100.0 * (toMs - atMs) / windowMs, 2)));
        }

        return points;
    }
}
