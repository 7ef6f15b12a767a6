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
/// than against a mix of endpoints. A service whose routes take ×0.6, ×1 and ×2.2 of each other (a
/// fifth, seven tenths and a tenth of its requests) has route medians 0.34 logarithms apart (root
/// mean square), which widens a spread of 0.40 to 0.52: a median 1.5 times the usual is then about
/// three quarters of a spread away instead of one. With each series moved by its level, the group's
/// requests are as spread as one route's, and a minute whose mix of routes differs from the usual (a
/// quiet minute of three requests of the slow route) is no shift.
/// </summary>
/// <remarks>
/// A series' level is learnt from its requests over about the last day (each hour's weight 1/e of
/// the next's after 24 hours): each request's logarithm less the mean of the minute's other
/// requests, each moved by its own series' level (so a minute of one series says as much as a minute
/// of all of them), clipped within ±3 (a factor of 20) of the series' level so far (a spike minute
/// counts no more than a slow one, and a health check at 1 ms beside endpoints at 100 still learns
/// its whole distance); summed over the requests with five minutes of the group's requests (ten
/// requests at least) of 0 added, so a series seen a handful of times, or a new one that carries an
/// incident (a status of timeouts, four times slower), is taken near the group for its first minutes
/// and the change shows (a series of a tenth of the requests is then taken at 97 % of its level, one
/// of a hundredth at 74 %: what is left off weighs little in the group). The levels are then centred (their mean, weighted by the requests learnt
/// from, is 0), so the group's requests keep their level together: the usual median of moved
/// requests is the group's, and a change of every series alike (an incident, a drift) moves the moved
/// requests as it moves the requests. A change of one series alone moves its level by a day's share
/// of it an hour, so a route slow for 30 minutes is a route slow for 30 minutes; one slow for days
/// becomes its level, as a drift of the group does. A series is forgotten once what was learnt of it
/// weighs less than one request (a series of a request a minute about a week after its last, one of
/// a request an hour about three days after). A group of one series is not moved. A duration of 0
/// (under the unit) has no logarithm to learn from.
/// </remarks>
internal sealed class SeriesLevels
{
    private const double HorizonHours = 24;
    private const double MinPrior = 10; // requests' worth of a level of 0, at least
    private const double PriorShare = 288; // and a 288th of the group's requests learnt from: five minutes of them
    private const double Forgotten = 1; // requests' worth left of a series not seen for days
    private const double MaxDistance = 3;
    private const int MergedRuns = 16; // more series than this: a minute's median by a sort, not by merging them
    private static readonly double HourDecay = Math.Exp(-1 / HorizonHours);
    private static readonly double ZeroLog = SequentialTest.LogValue(0); // a duration of 0: the zero bin

    // A minute's values and each series' place among them: the scratch of one Move and the medians
    // after it, on the thread that moves (every test on a thread shares it, rather than each keeping
    // room for its busiest minute).
    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly Dictionary<LabelSet, int> _index = []; // each series' place in _levels and _keys
    private readonly List<Level> _levels = [];
    private readonly List<LabelSet> _keys = [];
    private long _hour = long.MinValue;

    /// <summary>How many series are known.</summary>
    public int Count => _index.Count;

    /// <summary>An estimate of the memory held, in bytes (the label sets are the series' own).</summary>
    public long ApproximateBytes => 64 + (_index.Count * 40L) + (_levels.Capacity * 16L) + (_keys.Capacity * 8L);

    /// <summary>The level of <paramref name="series"/> as of now (centred), 0 for one not known.</summary>
    public double LevelOf(LabelSet series)
    {
        var (centre, prior) = Centre();
        return (_index.TryGetValue(series, out var slot) ? _levels[slot].Own(prior) : 0) - centre;
    }

    /// <summary>
    /// The minute's timing points (its <see cref="MinuteTally.Parts"/>) as logarithms, each less its
    /// series' level, series by series (each ascending: <see cref="MovedMinute.LogMedian"/> merges
    /// them); then learns the levels from them: each request against the mean of the minute's others,
    /// all moved by their levels (a minute of one request says nothing). <paramref name="hour"/> is the
    /// minute's hour (whole hours since 1970). What it returns is valid until the next call on this
    /// thread.
    /// </summary>
    public MovedMinute Move(MinuteTally tally, long hour)
    {
        Age(hour);
        var scratch = t_scratch ??= new Scratch();
        scratch.Generation++;
        var parts = tally.Parts.Span;
        var count = 0;
        var entries = 0;
        foreach (var part in parts)
        {
            entries += part.Bins.Length;
        }

        scratch.Reserve(entries, parts.Length);
        var (centre, prior) = Centre();
        double sum = 0;
        long requests = 0;
        for (var p = 0; p < parts.Length; p++)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, parts[p].Series, out var known);
            if (!known)
            {
                slot = _levels.Count;
                _levels.Add(default);
                _keys.Add(parts[p].Series);
            }

            var move = _index.Count == 1 ? 0 : _levels[slot].Own(prior) - centre; // one series: nothing to move it against
            (scratch.Slots[p], scratch.Moves[p], scratch.Starts[p]) = (slot, move, count);
            foreach (var entry in parts[p].Bins)
            {
                var (code, points) = (SketchMapping.PackedCode(entry), SketchMapping.PackedCount(entry));
                var moved = SequentialTest.LogValue(code) - move;
                scratch.Values[count++] = new MovedValue(moved, points);
                if (code != 0)
                {
                    sum += points * moved;
                    requests += points;
                }
            }
        }

        (scratch.Runs, scratch.Starts[parts.Length]) = (parts.Length, count);
        var minute = new MovedMinute(scratch);
        if (requests >= 2)
        {
            var levels = CollectionsMarshal.AsSpan(_levels);
            for (var p = 0; p < parts.Length; p++)
            {
                ref var level = ref levels[scratch.Slots[p]];
                var own = level.Own(prior);
                foreach (var entry in parts[p].Bins)
                {
                    var (code, points) = (SketchMapping.PackedCode(entry), SketchMapping.PackedCount(entry));
                    if (code != 0)
                    {
                        var log = SequentialTest.LogValue(code);
                        var others = (sum - (log - scratch.Moves[p])) / (requests - 1);
                        level.Distances += points * (own + Math.Clamp(log - others - own, -MaxDistance, MaxDistance));
                        level.Weight += points;
                    }
                }
            }
        }

        return minute;
    }

    /// <summary>The levels' mean, weighted by what each was learnt from, and the prior a level is shrunk by.</summary>
    private (double Centre, double Prior) Centre()
    {
        double weight = 0;
        foreach (var level in CollectionsMarshal.AsSpan(_levels))
        {
            weight += level.Weight;
        }

        var prior = Math.Max(MinPrior, weight / PriorShare);
        double sum = 0;
        foreach (var level in CollectionsMarshal.AsSpan(_levels))
        {
            sum += level.Weight * level.Own(prior);
        }

        return (weight > 0 ? sum / weight : 0, prior);
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

        var kept = 0; // in the order learnt, so the centre sums in the same order on every run
        for (var slot = 0; slot < _levels.Count; slot++)
        {
            if (_levels[slot].Weight >= Forgotten)
            {
                (_levels[kept], _keys[kept]) = (_levels[slot], _keys[slot]);
                _index[_keys[kept]] = kept++;
            }
            else
            {
                _index.Remove(_keys[slot]);
            }
        }

        _levels.RemoveRange(kept, _levels.Count - kept);
        _keys.RemoveRange(kept, _keys.Count - kept);
    }

    /// <summary>A timing point's logarithm less its series' level, and how many points it stands for.</summary>
    internal readonly record struct MovedValue(double Log, long Count);

    /// <summary>
    /// A minute's timing points moved by their series' levels (<see cref="Move"/>): valid until the next
    /// move on the thread (which reuses its room), and refusing to be read after it.
    /// </summary>
    internal readonly ref struct MovedMinute
    {
        private readonly Scratch? _scratch;
        private readonly int _generation;

        internal MovedMinute(Scratch scratch) => (_scratch, _generation) = (scratch, scratch.Generation);

        /// <summary>The moved values, series by series, each series' ascending.</summary>
        public ReadOnlySpan<MovedValue> Values => Current() is { } scratch ? scratch.Values.AsSpan(0, scratch.Starts[scratch.Runs]) : default;

        /// <summary>
        /// The median of the moved values (the mean of the two middle values of an even count), or with
        /// <paramref name="asSent"/> of the values as they were; NaN without values.
        /// </summary>
        public double LogMedian(bool asSent = false) => Current() is { } scratch ? scratch.Median(asSent) : double.NaN;

        private Scratch? Current() => _scratch is null || _scratch.Generation == _generation
            ? _scratch
            : throw new InvalidOperationException("A moved minute is read after the next move on its thread, which reused its room.");
    }

    private struct Level
    {
        public double Distances; // Σ each request's clipped distance to the minute's others, decayed
        public double Weight; // Σ requests, decayed

        public readonly double Own(double prior) => Distances / (Weight + prior);
    }

    internal sealed class Scratch
    {
        public MovedValue[] Values = new MovedValue[64];
        public double[] Moves = new double[4];
        public int[] Slots = new int[4];
        public int[] Starts = new int[5]; // where each series' values begin, and where the last ends
        public int Runs;
        public int Generation; // moves made with this room: a moved minute reads it only while its own is the last
        private int[] _heads = new int[4];
        private MovedValue[] _sorted = [];

        public void Reserve(int entries, int runs)
        {
            if (Values.Length < entries)
            {
                Array.Resize(ref Values, Math.Max(entries, 2 * Values.Length));
            }

            if (Moves.Length < runs)
            {
                var length = Math.Max(runs, 2 * Moves.Length);
                (Moves, Slots, Starts, _heads) = (new double[length], new int[length], new int[length + 1], new int[length]);
            }
        }

        /// <summary>By merging the series' values, each ascending, up to the middle; by a sort with many series.</summary>
        public double Median(bool asSent)
        {
            long requests = 0;
            foreach (var value in Values.AsSpan(0, Starts[Runs]))
            {
                requests += value.Count;
            }

            if (requests == 0)
            {
                return double.NaN;
            }

            var lower = (requests + 1) / 2; // 1-based ranks of the middle values
            var upper = (requests / 2) + 1;
            double sum = 0;
            long seen = 0;
            if (Runs > MergedRuns)
            {
                if (_sorted.Length < Starts[Runs])
                {
                    _sorted = new MovedValue[Values.Length];
                }

                var sorted = _sorted.AsSpan(0, Starts[Runs]);
                for (var r = 0; r < Runs; r++)
                {
                    for (var i = Starts[r]; i < Starts[r + 1]; i++)
                    {
                        sorted[i] = Values[i] with { Log = At(i, r, asSent) };
                    }
                }

                sorted.Sort(static (a, b) => a.Log.CompareTo(b.Log));
                foreach (var (log, count) in sorted)
                {
                    (sum, seen) = Middle(sum, seen, log, count, lower, upper);
                }

                return sum / 2;
            }

            Starts.AsSpan(0, Runs).CopyTo(_heads);
            while (seen < upper)
            {
                var next = -1;
                for (var r = 0; r < Runs; r++)
                {
                    if (_heads[r] < Starts[r + 1] && (next < 0 || At(_heads[r], r, asSent) < At(_heads[next], next, asSent)))
                    {
                        next = r;
                    }
                }

                var at = _heads[next]++;
                (sum, seen) = Middle(sum, seen, At(at, next, asSent), Values[at].Count, lower, upper);
            }

            return sum / 2;
        }

        private double At(int index, int run, bool asSent) => Values[index].Log + (asSent ? Moves[run] : 0);

        private static (double Sum, long Seen) Middle(double sum, long seen, double log, long count, long lower, long upper) =>
            (sum + (seen < lower && lower <= seen + count ? log : 0) + (seen < upper && upper <= seen + count ? log : 0), seen + count);
    }
}
