using System.Runtime.InteropServices;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>One series' timing points in a group's minute, for a latency test: which series, and its packed sketch bins.</summary>
/// <param name="Series">The series' labels (the group's and its own: a route, a method, a status).</param>
/// <param name="Bins">Its timing points in the minute as packed sketch bins, ascending (as <see cref="WindowAccumulator.PackedBins"/> packs them).</param>
public readonly record struct MinutePart(LabelSet Series, uint[] Bins);

/// <summary>
/// How much slower or faster each series of a latency test's group usually runs than the group (its
/// level: a logarithm), so each request is weighed against its own endpoint's usual duration rather
/// than against a mix of endpoints. A service whose routes take ×0.6, ×1 and ×2.2 of each other has
/// requests about 0.34 logarithms further from its median than from their own route's, and a median
/// 1.5 times the usual is then about three quarters of a spread away instead of one: about half as
/// much evidence a request. With each series moved by its level, the group's requests are as spread
/// as one route's, and a minute whose mix of routes differs from the usual (a quiet minute of three
/// requests of the slow route) is no shift.
/// </summary>
/// <remarks>
/// A series' level is learnt from its requests over about the last day (each hour's weight 1/e of
/// the next's after 24 hours): each request's logarithm less the mean of the minute's other
/// requests, each moved by its own series' level (so a minute of one series says as much as a minute
/// of all of them), clipped at ±3 (a factor of 20); summed over the requests with ten requests' worth
/// of 0 added, so a series seen a handful of times is taken near the group. The levels are then
/// centred (their mean, weighted by the requests learnt from, is 0), so the group's requests keep
/// their level together: the usual median of moved requests is the group's, and a change of every
/// series alike (an incident, a drift) moves the moved requests as it moves the requests. A change of
/// one series alone moves its level by a day's share of it an hour, so a route slow for 30 minutes is
/// a route slow for 30 minutes; one slow for days becomes its level, as a drift of the group does. A
/// series not seen for about a week is forgotten. A duration of 0 (under the unit) has no logarithm
/// to learn from.
/// </remarks>
internal sealed class SeriesLevels
{
    private const double HorizonHours = 24;
    private const double Prior = 10; // requests' worth of a level of 0
    private const double Forgotten = 1; // requests' worth left of a series not seen for days
    private const double MaxDistance = 3;
    private static readonly double HourDecay = Math.Exp(-1 / HorizonHours);
    private static readonly double ZeroLog = SequentialTest.LogValue(0); // a duration of 0: the zero bin

    private readonly Dictionary<LabelSet, int> _index = []; // each series' place in _levels
    private readonly List<Level> _levels = [];
    private MovedValue[] _values = new MovedValue[64];
    private double[] _moves = new double[4];
    private int[] _slots = new int[4];
    private int[] _starts = new int[4]; // where each series' values begin in _values, and where the last ends
    private int[] _heads = new int[4]; // LogMedian's place in each
    private int _runs;
    private long _hour = long.MinValue;

    /// <summary>How many series are known.</summary>
    public int Count => _index.Count;

    /// <summary>An estimate of the memory held, in bytes.</summary>
    public long ApproximateBytes => 96 + (_index.Count * 40L) + (_levels.Capacity * 16L) + (_values.Length * 16L) + (_moves.Length * 20L);

    /// <summary>The level of <paramref name="series"/> as of now (centred), 0 for one not known.</summary>
    public double LevelOf(LabelSet series) => (_index.TryGetValue(series, out var slot) ? _levels[slot].Own : 0) - Centre();

    /// <summary>
    /// The minute's timing points (its <see cref="MinuteTally.Parts"/>, or its <see cref="MinuteTally.Bins"/> as one
    /// series of level 0) as logarithms, each less its series' level, series by series (each ascending:
    /// <see cref="LogMedian"/> merges them); then learns the levels
    /// from them: each request against the mean of the minute's others, all moved by their levels (a
    /// minute of one request says nothing). <paramref name="hour"/> is the minute's hour (whole hours since 1970).
    /// </summary>
    public ReadOnlySpan<MovedValue> Move(MinuteTally tally, long hour)
    {
        Age(hour);
        var parts = tally.Parts.Span;
        var count = 0;
        if (parts.IsEmpty)
        {
            foreach (var entry in Reserve(tally.Bins ?? [], 0))
            {
                _values[count++] = new MovedValue(SequentialTest.LogValue(SketchMapping.PackedCode(entry)), SketchMapping.PackedCount(entry));
            }

            (_runs, _starts[1]) = (1, count);
            return _values.AsSpan(0, count);
        }

        if (_moves.Length < parts.Length + 1)
        {
            Array.Resize(ref _moves, Math.Max(parts.Length + 1, 2 * _moves.Length));
            Array.Resize(ref _slots, _moves.Length);
            Array.Resize(ref _starts, _moves.Length);
            Array.Resize(ref _heads, _moves.Length);
        }

        var centre = Centre();
        double sum = 0;
        long requests = 0;
        for (var p = 0; p < parts.Length; p++)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, parts[p].Series, out var known);
            if (!known)
            {
                slot = _levels.Count;
                _levels.Add(default);
            }

            (_slots[p], _moves[p], _starts[p]) = (slot, _levels[slot].Own - centre, count);
            foreach (var entry in Reserve(parts[p].Bins, count))
            {
                var (code, points) = (SketchMapping.PackedCode(entry), SketchMapping.PackedCount(entry));
                var moved = SequentialTest.LogValue(code) - _moves[p];
                _values[count++] = new MovedValue(moved, points);
                if (code != 0)
                {
                    sum += points * moved;
                    requests += points;
                }
            }
        }

        if (requests >= 2)
        {
            var levels = CollectionsMarshal.AsSpan(_levels);
            for (var p = 0; p < parts.Length; p++)
            {
                ref var level = ref levels[_slots[p]];
                foreach (var entry in parts[p].Bins)
                {
                    var (code, points) = (SketchMapping.PackedCode(entry), SketchMapping.PackedCount(entry));
                    if (code != 0)
                    {
                        var log = SequentialTest.LogValue(code);
                        var others = (sum - (log - _moves[p])) / (requests - 1);
                        level.Distances += points * Math.Clamp(log - others, -MaxDistance, MaxDistance);
                        level.Weight += points;
                    }
                }
            }
        }

        (_runs, _starts[parts.Length]) = (parts.Length, count);
        return _values.AsSpan(0, count);
    }

    /// <summary>
    /// The median of the last minute moved (<see cref="Move"/>; the mean of the two middle values of an
    /// even count), by merging its series' values, each ascending, up to the middle: no sort.
    /// </summary>
    public double LogMedian()
    {
        long requests = 0;
        for (var r = 0; r < _runs; r++)
        {
            _heads[r] = _starts[r];
        }

        foreach (var value in _values.AsSpan(0, _starts[_runs]))
        {
            requests += value.Count;
        }

        var lower = (requests + 1) / 2; // 1-based ranks of the middle values
        var upper = (requests / 2) + 1;
        double sum = 0;
        long seen = 0;
        while (seen < upper)
        {
            var next = -1;
            for (var r = 0; r < _runs; r++)
            {
                if (_heads[r] < _starts[r + 1] && (next < 0 || _values[_heads[r]].Log < _values[_heads[next]].Log))
                {
                    next = r;
                }
            }

            var (log, count) = _values[_heads[next]++];
            var before = seen;
            seen += count;
            sum += (before < lower && lower <= seen ? log : 0) + (before < upper && upper <= seen ? log : 0);
        }

        return sum / 2;
    }

    /// <summary>Room in <see cref="_values"/> for <paramref name="bins"/> after the first <paramref name="count"/>; the bins.</summary>
    private uint[] Reserve(uint[] bins, int count)
    {
        if (count + bins.Length > _values.Length)
        {
            Array.Resize(ref _values, Math.Max(count + bins.Length, 2 * _values.Length));
        }

        return bins;
    }

    /// <summary>The levels' mean, weighted by what each was learnt from.</summary>
    private double Centre()
    {
        double sum = 0, weight = 0;
        foreach (var level in CollectionsMarshal.AsSpan(_levels))
        {
            sum += level.Weight * level.Own;
            weight += level.Weight;
        }

        return weight > 0 ? sum / weight : 0;
    }

    /// <summary>What was learnt weighs less each hour; a series whose weight is all but gone is forgotten.</summary>
    private void Age(long hour)
    {
        if (hour <= _hour)
        {
            return;
        }

        var decay = _hour == long.MinValue ? 1 : Math.Pow(HourDecay, hour - _hour);
        _hour = hour;
        var forgotten = false;
        foreach (ref var level in CollectionsMarshal.AsSpan(_levels))
        {
            level.Distances *= decay;
            level.Weight *= decay;
            forgotten |= level.Weight < Forgotten;
        }

        if (!forgotten)
        {
            return;
        }

        var kept = new List<(LabelSet Series, Level Level)>();
        foreach (var (series, slot) in _index)
        {
            if (_levels[slot].Weight >= Forgotten)
            {
                kept.Add((series, _levels[slot]));
            }
        }

        _index.Clear();
        _levels.Clear();
        foreach (var (series, level) in kept)
        {
            _index[series] = _levels.Count;
            _levels.Add(level);
        }
    }

    /// <summary>A timing point's logarithm less its series' level, and how many points it stands for.</summary>
    internal readonly record struct MovedValue(double Log, long Count);

    private struct Level
    {
        public double Distances; // Σ each request's clipped distance to the minute's others, decayed
        public double Weight; // Σ requests, decayed

        public readonly double Own => Distances / (Weight + Prior);
    }
}
