namespace Vigil.Core.Alerts;

/// <summary>
/// Replays a rule over stored history held at once (see <see cref="RuleReplay"/> for the
/// minute-by-minute replay and chunked history): the rule's memory is warmed up over the
/// <see cref="RuleMemory.WarmUp"/> before <c>from</c>, then every minute of
/// [<c>from</c>, <c>to</c>] is judged and run through the alert state machine.
/// </summary>
public static class RuleBacktest
{
    /// <summary>
    /// The transitions <paramref name="rule"/> would have made over (<paramref name="from"/>,
    /// <paramref name="to"/>], judging every minute; <paramref name="onStep"/> hears every
    /// <paramref name="step"/> (at least a minute) group by group, oldest first, so the value
    /// and threshold can be drawn beside the transitions. <paramref name="history"/> holds the
    /// rollups from the warm-up and the window before <paramref name="from"/> on.
    /// </summary>
    public static IReadOnlyList<BacktestEvent> Replay(
        AlertRule rule, IReadOnlyList<SeriesHistory> history, DateTimeOffset from, DateTimeOffset to, TimeSpan step, Action<BacktestStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(history);
        var fromMs = from.ToUnixTimeMilliseconds();
        var replay = new RuleReplay(rule, new RuleMemory(rule), fromMs - (long)RuleMemory.WarmUp(rule).TotalMilliseconds, fromMs, step, onStep);
        replay.Advance(history, to.ToUnixTimeMilliseconds(), cancellationToken);
        return replay.Events;
    }
}
