using System.Runtime.InteropServices;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// Replays a rule over stored 1-minute rollups, minute by minute, as the live engine would have
/// evaluated it: each minute's window aggregate is judged through the rule's
/// <see cref="RuleMemory"/> (its seasonal baselines and recent minutes) and, from
/// <c>reportFrom</c> on, run through the real alert state machine, so <c>forSeconds</c>,
/// <c>metMinutes</c>, the recovery threshold and the cooldown shape the answer as they would
/// have. Minutes before <c>reportFrom</c> only teach the memory (a backtest's warm-up, or the
/// live engine's when it starts). History comes in chunks in time order (<see cref="Advance"/>),
/// so a week is never held at once. Nothing is stored and nothing is sent.
/// </summary>
/// <remarks>
/// Cost: the series of a group are merged once per minute, then each step merges the window's
/// minutes (5 for a 5-minute window), so a step costs the same with 2 series as with 200.
/// </remarks>
public sealed class RuleReplay
{
    private const long MinuteMs = 60_000;

    private readonly AlertRule _rule;
    private readonly RuleMemory _memory;
    private readonly long _reportFromMs;
    private readonly long _stepMs;
    private readonly Action<BacktestStep>? _onStep;
    private readonly long _windowMs;
    private readonly Dictionary<LabelSet, Episode> _groups = [];
    private readonly List<BacktestEvent> _events = [];
    private readonly WindowAccumulator _accumulator = new();
    private WindowAccumulator? _scratch;
    private readonly List<MinuteTally> _tallies = [];
    private MinutePart[] _parts = new MinutePart[16]; // a latency test's minutes series by series, those of one call of Tallies one after the other
    private List<SeriesHistory>? _series; // the group's, and where in each one's rollups its next minute is
    private int[] _cursors = [];
    private readonly bool _sequential;
    private readonly bool _readsBins;
    private long _doneMs;
    private int _sequence;

    /// <summary>
    /// A replay of <paramref name="rule"/> whose first judged minute is the one after
    /// <paramref name="startMs"/> (rounded down to a whole minute); minutes up to
    /// <paramref name="reportFromMs"/> only warm <paramref name="memory"/> up, later ones run the
    /// alert state machine, and those a whole number of <paramref name="step"/>s after
    /// <paramref name="reportFromMs"/> are reported to <paramref name="onStep"/>.
    /// </summary>
    public RuleReplay(AlertRule rule, RuleMemory memory, long startMs, long reportFromMs, TimeSpan step, Action<BacktestStep>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, TimeSpan.FromMinutes(1));
        _rule = rule;
        _memory = memory;
        _doneMs = FloorMinute(startMs);
        _reportFromMs = FloorMinute(reportFromMs);
        _stepMs = (long)step.TotalMilliseconds;
        _onStep = onStep;
        _sequential = SequentialTest.IsSequential(rule);
        _readsBins = rule.Aggregation.ReadsBins();

        // Rollups are whole minutes: a window shorter than one reads the minute before.
        _windowMs = Math.Max(1, (long)Math.Ceiling(rule.Window.TotalMilliseconds / MinuteMs)) * MinuteMs;
    }

    /// <summary>The last minute judged (Unix milliseconds).</summary>
    public long DoneMs => _doneMs;

    /// <summary>How far before the first minute judged in a chunk its history must reach: the rule's window.</summary>
    public long WindowMs => _windowMs;

    /// <summary>The state changes so far, in time order.</summary>
    public IReadOnlyList<BacktestEvent> Events =>
        [.. _events.OrderBy(e => e.At).ThenBy(e => e.Group.ToString(), StringComparer.Ordinal)];

    /// <summary>
    /// Judges every whole minute after the last one judged up to <paramref name="toMs"/>, from
    /// <paramref name="history"/>: the series of the rule's metric with their rollups of
    /// [first minute − <see cref="WindowMs"/>, <paramref name="toMs"/>). Groups seen in earlier
    /// chunks are judged in later ones even without points (a stream that stopped).
    /// </summary>
    public void Advance(IReadOnlyList<SeriesHistory> history, long toMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var endMs = FloorMinute(toMs);
        if (endMs <= _doneMs)
        {
            return;
        }

        var members = new Dictionary<LabelSet, List<SeriesHistory>>();
        foreach (var series in history)
        {
            if (!RuleEvaluator.Matches(series.Labels, _rule.Match))
            {
                continue;
            }

            var group = RuleEvaluator.GroupOf(_rule, series.Labels);
            if (!members.TryGetValue(group, out var list))
            {
                members[group] = list = [];
            }

            list.Add(series);
            var firstMs = series.Rollups.Count > 0 ? series.Rollups[0].MinuteStartMs : long.MaxValue;
            if (!_groups.TryGetValue(group, out var known))
            {
                _groups[group] = new Episode { IsCounter = series.IsCounter, FirstMs = firstMs };
            }
            else if (known.FirstMs > _doneMs)
            {
                known.FirstMs = Math.Min(known.FirstMs, firstMs); // still starting: its earliest series counts
            }
        }

        foreach (var (group, episode) in _groups.OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            _series = members.GetValueOrDefault(group);
            _cursors = _series is null || !_sequential || !_readsBins ? [] : [.. _series.Select(s => FirstAtOrAfter(s.Rollups, _doneMs - _windowMs + MinuteMs))];
            var minutes = Merge(_series, episode.IsCounter, _doneMs - _windowMs + MinuteMs, endMs);
            var first = 0;
            var last = 0;
            for (var atMs = _doneMs + MinuteMs; atMs <= endMs; atMs += MinuteMs)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // The window [atMs − window, atMs) over the merged minutes, which are in order.
                while (first < minutes.Count && minutes[first].MinuteStartMs < atMs - _windowMs)
                {
                    first++;
                }

                while (last < minutes.Count && minutes[last].MinuteStartMs < atMs)
                {
                    last++;
                }

                if (atMs < episode.FirstMs + _windowMs)
                {
                    continue; // the group did not exist for this whole window yet (as a series the live engine had not seen)
                }

                _accumulator.Reset();
                _accumulator.IsCounter = episode.IsCounter;
                if (_rule.TrimMinutes > 0)
                {
                    var kept = new WindowTrim.MergedMinutes(minutes, first, last - first);
                    WindowTrim.Merge(_accumulator, ref kept, _rule, _scratch ??= new WindowAccumulator());
                }
                else
                {
                    for (var i = first; i < last; i++)
                    {
                        _accumulator.AddMinute(minutes[i]);
                    }
                }

                var window = RuleEvaluator.Reduce(_accumulator, _rule.Aggregation, _rule.Window);
                var outcome = _memory.Judge(_rule, group, window, atMs, _accumulator, _sequential ? Tallies(minutes, first, last, atMs, _memory.LastWeighedMinute(group)) : default);
                if (atMs > _reportFromMs)
                {
                    Run(group, episode, outcome, atMs);
                }
            }
        }

        _doneMs = endMs;
    }

    /// <summary>
    /// The window's minutes [<paramref name="atMs"/> − window, <paramref name="atMs"/>) after
    /// <paramref name="weighedMinute"/> for a sequential anomaly rule: a replay's minutes have all
    /// their points, so each is weighed as soon as it ends, and a minute without points of the group
    /// is a minute of no requests.
    /// </summary>
    private ReadOnlySpan<MinuteTally> Tallies(List<MergedMinute> minutes, int first, int last, long atMs, long weighedMinute)
    {
        _tallies.Clear();
        var parts = 0;
        var at = first;
        for (var startMs = atMs - _windowMs; startMs < atMs; startMs += MinuteMs)
        {
            while (at < last && minutes[at].MinuteStartMs < startMs)
            {
                at++;
            }

            if (FloorDivision.Of(startMs, MinuteMs) <= weighedMinute)
            {
                continue;
            }

            if (at < last && minutes[at].MinuteStartMs == startMs)
            {
                _scratch ??= new WindowAccumulator();
                _scratch.Reset();
                _scratch.IsCounter = _accumulator.IsCounter;
                _scratch.AddMinute(minutes[at], bins: false); // a latency test reads the minute's series' bins, not the merged ones
                _tallies.Add(RuleEvaluator.TallyOf(_scratch, startMs) with { Parts = _readsBins ? PartsAt(startMs, ref parts) : default });
                at++;
            }
            else
            {
                _tallies.Add(new MinuteTally(FloorDivision.Of(startMs, MinuteMs), 0, 0, 0));
            }
        }

        return CollectionsMarshal.AsSpan(_tallies);
    }

    /// <summary>
    /// The timing points of the group's minute starting <paramref name="startMs"/> series by series (a
    /// latency test), in <see cref="_parts"/> after the first <paramref name="used"/> (the call's minutes
    /// before it), which it moves on: the minutes are asked for in order.
    /// </summary>
    private ReadOnlyMemory<MinutePart> PartsAt(long startMs, ref int used)
    {
        var from = used;
        for (var s = 0; s < _cursors.Length; s++)
        {
            var rollups = _series![s].Rollups;
            while (_cursors[s] < rollups.Count && rollups[_cursors[s]].MinuteStartMs < startMs)
            {
                _cursors[s]++;
            }

            uint[]? bins = null;
            for (var at = _cursors[s]; at < rollups.Count && rollups[at].MinuteStartMs == startMs; at++)
            {
                bins = rollups[at].Bins is not { Length: > 0 } more ? bins : bins is null ? more : Ascending([.. bins, .. more]);
            }

            if (bins is not null)
            {
                if (used == _parts.Length)
                {
                    Array.Resize(ref _parts, 2 * _parts.Length);
                }

                _parts[used++] = new MinutePart(_series[s].Labels, bins);
            }
        }

        return new ReadOnlyMemory<MinutePart>(_parts, from, used - from);
    }

    /// <summary>Packed bins in ascending order of their bins (a series' rollups of one minute, one after the other).</summary>
    private static uint[] Ascending(uint[] bins)
    {
        Array.Sort(bins); // a bin's code is in the packed value's high bits
        return bins;
    }

    /// <summary>The group's series merged minute by minute over [<paramref name="fromMs"/>, <paramref name="toMs"/>), in order.</summary>
    private List<MergedMinute> Merge(List<SeriesHistory>? series, bool isCounter, long fromMs, long toMs)
    {
        var merged = new List<MergedMinute>();
        if (series is null)
        {
            return merged;
        }

        var next = new int[series.Count];
        for (var s = 0; s < series.Count; s++)
        {
            next[s] = FirstAtOrAfter(series[s].Rollups, fromMs);
        }

        while (true)
        {
            // The earliest minute any series has next; every series' rollup of that minute joins it.
            var minute = long.MaxValue;
            for (var s = 0; s < series.Count; s++)
            {
                var rollups = series[s].Rollups;
                if (next[s] < rollups.Count && rollups[next[s]].MinuteStartMs < toMs && rollups[next[s]].MinuteStartMs < minute)
                {
                    minute = rollups[next[s]].MinuteStartMs;
                }
            }

            if (minute == long.MaxValue)
            {
                return merged;
            }

            _accumulator.Reset();
            _accumulator.IsCounter = isCounter;
            for (var s = 0; s < series.Count; s++)
            {
                var rollups = series[s].Rollups;
                while (next[s] < rollups.Count && rollups[next[s]].MinuteStartMs == minute)
                {
                    _accumulator.AddRollup(rollups[next[s]++], series[s].IsError);
                }
            }

            merged.Add(_accumulator.ToMinute(minute));
        }
    }

    private void Run(LabelSet group, Episode episode, GroupEvaluation outcome, long atMs)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(atMs);
        if ((atMs - _reportFromMs) % _stepMs == 0)
        {
            _onStep?.Invoke(new BacktestStep(now, group, outcome.Value, outcome.Threshold, outcome.State));
        }

        var evaluated = AlertLifecycle.Evaluate(_rule, episode.Open, outcome, now, episode.LastNotified, silenced: false, () => $"backtest-{++_sequence}");
        LifecycleResult[] steps = evaluated.Alert is { IsOpen: true } alert
            ? [evaluated, AlertLifecycle.Tick(_rule, alert, now, silenced: false)] // as the engine's timer pass does
            : [evaluated];
        foreach (var result in steps)
        {
            var notified = result.Intents.Count > 0;
            foreach (var transition in result.Transitions)
            {
                _events.Add(new BacktestEvent(now, group, transition.From, transition.To, outcome.Value, outcome.Threshold, notified));
            }
        }

        if (evaluated.Alert?.LastNotifiedAt is { } at)
        {
            episode.LastNotified = at;
        }

        episode.Open = evaluated.Alert is { IsOpen: true } still ? still : null;
    }

    private static long FloorMinute(long ms) => FloorDivision.Of(ms, MinuteMs) * MinuteMs;

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

    /// <summary>A group's open alert and last notification, carried from minute to minute.</summary>
    private sealed class Episode
    {
        public bool IsCounter { get; init; }

        /// <summary>The first minute of the group's history: it is judged once a whole window of it exists.</summary>
        public long FirstMs { get; set; }

        public AlertInstance? Open { get; set; }

        public DateTimeOffset? LastNotified { get; set; }
    }
}
