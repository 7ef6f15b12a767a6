using System.Collections.Concurrent;
namespace Vigil.Core.Metrics;

/// <summary>
/// One series (a metric name and a label set) held in memory as fixed buckets (10 s by
/// default) covering the in-memory retention (1 h by default). Each bucket keeps count, sum,
/// min, max and the latest value; timing series also keep the bins of a quantile sketch.
/// The newest few buckets stay open for points that arrive a little late; older ones are
/// encoded compactly in a <see cref="BucketLog"/>; a point later still goes to a small list
/// of patches that queries merge in. Thread-safe: recording and reading take a per-series
/// lock, which is uncontended unless one series is written and read at the same instant.
/// </summary>
public sealed class MetricSeries
{
    /// <summary>How many of the newest buckets stay open to late points before they are encoded.</summary>
    internal const int OpenBuckets = 2;

    private readonly long _bucketMs;
    private readonly HotBins? _hotBins;
    // The newest buckets, oldest first; the newest keeps its bins in _hotBins. Never exposed,
    // so it doubles as the series' lock (a separate lock object would cost 24 bytes a series).
    private readonly Bucket[] _open = new Bucket[OpenBuckets];
    private readonly BucketLog _log;
    private int _openCount;
    private List<Bucket>? _patches;
    [ThreadStatic]
    private static WindowAccumulator? t_rollupAccumulator;

    // Minutes changed since their rollup was last taken: few at a time (the current minute,
    // now and then a late one), so a small array beats a set.
    private long[]? _dirtyMinutes;
    private int _dirtyCount;
    private bool _evicted;
    private volatile bool _dropped;
    private long _lastDirtyMinute = long.MinValue;
    // Points recorded here since they were last shipped to the other processes (only when the
    // store shares its aggregates, Ships).
    private List<UnshippedPoint>? _unshipped;

    internal MetricSeries(string name, LabelSet labels, MetricType type, TimeSpan bucketSize)
    {
        Name = name;
        Labels = labels;
        Type = type;
        IsError = IsErrorStatus(labels["status"]);
        _bucketMs = (long)bucketSize.TotalMilliseconds;
        _hotBins = type == MetricType.Timing ? new HotBins() : null;
        _log = new BucketLog(_bucketMs, type == MetricType.Timing);
    }

    /// <summary>
    /// When processes share their aggregates, the store's queue of series with points to ship:
    /// the points recorded here are then also kept for <see cref="TakeUnshippedRollups"/>, and the
    /// series queues itself when its first unshipped point comes.
    /// </summary>
    internal ConcurrentQueue<MetricSeries>? ShipQueue { get; init; }

    /// <summary>The canonical key <c>name{labels}</c> (built on each call; not kept, to save memory).</summary>
    public string Key => LabelSet.SeriesKey(Name, Labels);

    /// <summary>The metric name.</summary>
    public string Name { get; }

    /// <summary>The labels.</summary>
    public LabelSet Labels { get; }

    /// <summary>The metric type.</summary>
    public MetricType Type { get; }

    /// <summary>Whether the <c>status</c> label marks the points as errors.</summary>
    public bool IsError { get; }

    /// <summary>Points recorded since the series was created in this process (monotonic).</summary>
    public long TotalCount { get; private set; }

    /// <summary>Sum of values recorded since the series was created in this process (monotonic for counters).</summary>
    public double TotalSum { get; private set; }

    /// <summary>Unix milliseconds of the latest point recorded, or <see cref="long.MinValue"/>.</summary>
    public long LastSeenMs { get; private set; } = long.MinValue;

    /// <summary>The value of the latest point recorded (by timestamp).</summary>
    public double LastValue { get; private set; }

    /// <summary>The storage id of the series once persisted, or 0.</summary>
    public long StorageId { get; set; }

    /// <summary>
    /// Whether the series was dropped (<see cref="MetricStore.Drop"/>): it left the store, and
    /// rollups of it written after its stored rows were deleted must go too.
    /// </summary>
    public bool IsDropped => _dropped;

    /// <summary>
    /// The id of the API key whose batch created the series (it counts against that key's
    /// series quota), or null for Vigil's own series and those stored before owners were kept.
    /// </summary>
    public string? Owner { get; internal set; }

    /// <summary>
    /// Whether this is one of Vigil's own series (name starting with <see cref="MetricStore.OwnPrefix"/>,
    /// recorded in process): it does not count against <see cref="MetricsOptions.MaxSeries"/>.
    /// </summary>
    public bool IsOwn { get; internal init; }

    /// <summary>
    /// Whether a <c>status</c> label value marks an error: <c>error</c>, <c>failure</c>,
    /// <c>failed</c> or a 5xx HTTP status code.
    /// </summary>
    public static bool IsErrorStatus(string? status) => status switch
    {
        null => false,
        "error" or "failure" or "failed" => true,
        { Length: 3 } when status[0] == '5' && char.IsAsciiDigit(status[1]) && char.IsAsciiDigit(status[2]) => true,
        _ => false,
    };

    /// <summary>
    /// The 1-minute rollups of <paramref name="points"/> (validated) for a series like
    /// <paramref name="like"/>, built apart from it: late points, older than the in-memory
    /// window, are merged into the stored rollups this way.
    /// </summary>
    public static List<Rollup> RollupsOf(MetricSeries like, IEnumerable<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(like);
        ArgumentNullException.ThrowIfNull(points);
        var scratch = new MetricSeries(like.Name, like.Labels, like.Type, MetricsOptions.BucketSize);
        foreach (var point in points)
        {
            scratch.Record(point.Value, point.TimestampMs, point.Count);
        }

        return scratch.TakeDirtyRollups(long.MaxValue);
    }

    /// <summary>
    /// The 1-minute rollups of the points recorded since the last call (what this process has
    /// not yet shipped to the others), or an empty list. Points merged in from other processes
    /// (<see cref="Restore"/>) are not among them.
    /// </summary>
    public List<Rollup> TakeUnshippedRollups()
    {
        List<UnshippedPoint>? points;
        lock (_open)
        {
            points = _unshipped;
            _unshipped = null;
        }

        if (points is null)
        {
            return [];
        }

        // One partial rollup per bucket, not per minute: merged into another process's series it
        // lands in its own bucket, so windows that start inside the minute still see it. Oldest
        // first, as Restore takes them best.
        var rollups = new List<Rollup>();
        foreach (var bucket in points.GroupBy(p => p.TimestampMs - Mod(p.TimestampMs, _bucketMs)).OrderBy(b => b.Key))
        {
            foreach (var rollup in RollupsOf(this, bucket.Select(p => new MetricPoint(Name, Type, p.Value, Labels, p.TimestampMs, p.Count))))
            {
                rollups.Add(rollup with { MinuteStartMs = bucket.Key, LastOffsetMs = rollup.LastOffsetMs - (int)(bucket.Key - rollup.MinuteStartMs) });
            }
        }

        return rollups;
    }

    /// <summary>
    /// Forgets that the minutes ending at or before <paramref name="closedBeforeMs"/> changed,
    /// without taking their rollups: a process that does not write rollups (another one writes
    /// every process's points) keeps only recent marks, in case it takes that over.
    /// </summary>
    public void ForgetDirty(long closedBeforeMs)
    {
        lock (_open)
        {
            var kept = 0;
            for (var i = 0; i < _dirtyCount; i++)
            {
                if ((_dirtyMinutes![i] * 60_000) + 60_000 > closedBeforeMs)
                {
                    _dirtyMinutes[kept++] = _dirtyMinutes[i];
                }
            }

            _dirtyCount = kept;
            _lastDirtyMinute = long.MinValue;
        }
    }

    /// <summary>
    /// Records one point. The caller has validated the value and timestamp. Timings are kept
    /// to the microsecond (0.001 ms).
    /// </summary>
    public bool Record(double value, long timestampMs) => Record(value, timestampMs, 1);

    /// <summary>
    /// Records <paramref name="count"/> observations of one value at once (a bucket of a
    /// pre-aggregated distribution): the same as recording the point <paramref name="count"/>
    /// times, in one step.
    /// </summary>
    public bool Record(double value, long timestampMs, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (_hotBins is not null)
        {
            value = Math.Round(value * 1000) / 1000; // timings are kept to the microsecond
        }

        var bucketStart = timestampMs - Mod(timestampMs, _bucketMs);
        lock (_open)
        {
            if (_evicted)
            {
                return false;
            }

            ref var bucket = ref FindOrAddBucket(bucketStart, out var isHot);
            bucket.Count += count;
            bucket.Sum = FiniteValues.Add(bucket.Sum, value * count);
            if (value < bucket.Min)
            {
                bucket.Min = value;
            }

            if (value > bucket.Max)
            {
                bucket.Max = value;
            }

            var offset = (int)(timestampMs - bucketStart);
            if (offset >= bucket.LastOffsetMs)
            {
                bucket.LastOffsetMs = offset;
                bucket.Last = value;
            }

            if (_hotBins is not null)
            {
                var code = SketchMapping.Code(value);
                if (isHot)
                {
                    _hotBins.Add(code, count);
                }
                else
                {
                    bucket.Bins = AddToPacked(bucket.Bins ?? [], code, count);
                }
            }

            if (ShipQueue is { } shipQueue)
            {
                if (_unshipped is null)
                {
                    _unshipped = [];
                    shipQueue.Enqueue(this);
                }

                _unshipped.Add(new UnshippedPoint(value, timestampMs, count));
            }

            TotalCount += count;
            TotalSum = FiniteValues.Add(TotalSum, value * count);
            if (timestampMs >= LastSeenMs)
            {
                LastSeenMs = timestampMs;
                LastValue = value;
            }

            var minute = timestampMs / 60_000;
            if (minute != _lastDirtyMinute)
            {
                MarkDirtyLocked(minute);
            }
        }

        return true;
    }

    /// <summary>Marks the series as dropped: a point recorded into it from now on is refused (the store brings it back).</summary>
    internal void Drop()
    {
        lock (_open)
        {
            _evicted = true;
            _dropped = true;
        }
    }

    /// <summary>
    /// Marks the series evicted when it holds nothing (every bucket pruned, every minute
    /// written) and saw no point since <paramref name="idleBeforeMs"/>; an evicted series
    /// records nothing more (<see cref="Record(double, long)"/> returns false) and leaves the store.
    /// </summary>
    internal bool TryEvict(long idleBeforeMs)
    {
        lock (_open)
        {
            if (_openCount == 0 && _log.IsEmpty && (_patches is null || _patches.Count == 0) && _dirtyCount == 0 && LastSeenMs < idleBeforeMs)
            {
                _evicted = true;
            }

            return _evicted;
        }
    }

    /// <summary>Merges the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>) into the accumulator.</summary>
    public void AggregateInto(WindowAccumulator accumulator, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        accumulator.IsCounter = Type == MetricType.Counter;
        lock (_open)
        {
            AggregateLocked(accumulator, fromMs, toMs);
        }
    }

    /// <summary>
    /// Merges the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>) as
    /// <see cref="AggregateInto(WindowAccumulator, long, long)"/> does, reading the encoded ones
    /// through <paramref name="window"/>, which keeps their merged state from this caller's
    /// previous read of a range that has only moved forward since (so only the buckets that
    /// entered or left are decoded). Without <paramref name="needsBins"/> the sketch bins are
    /// left out (aggregations that read no quantile); without <paramref name="needsExtremes"/>
    /// the encoded buckets' min and max may be (aggregations that read neither min, max nor a quantile).
    /// </summary>
    internal void AggregateInto(WindowAccumulator accumulator, long fromMs, long toMs, SeriesWindow window, bool needsBins, bool needsExtremes)
    {
        accumulator.IsCounter = Type == MetricType.Counter;
        var withBins = needsBins && _hotBins is not null;
        lock (_open)
        {
            _log.Slide(window, fromMs, toMs, withBins, needsExtremes);
            if (window.NonIntegerBuckets > 0)
            {
                // Sums of values that are not whole units do not subtract exactly: decode the window.
                _log.DecodeInto(accumulator, fromMs, toMs, IsError, _hotBins is not null, withBins);
            }
            else
            {
                window.AddTo(accumulator, IsError, _bucketMs, _log.Scale, withBins);
            }

            AggregateUnencodedLocked(accumulator, fromMs, toMs, withBins);
        }
    }

    /// <summary>Start (Unix ms) of the oldest bucket held, or null when empty.</summary>
    public long? OldestBucketStart
    {
        get
        {
            lock (_open)
            {
                long? oldest = null;
                if (!_log.IsEmpty)
                {
                    oldest = _log.FirstStart;
                }

                if (_openCount > 0 && (oldest is null || _open[0].Start < oldest))
                {
                    oldest = _open[0].Start;
                }

                if (_patches is { Count: > 0 } && (oldest is null || _patches[0].Start < oldest))
                {
                    oldest = _patches[0].Start;
                }

                return oldest;
            }
        }
    }

    /// <summary>
    /// The 1-minute rollups of minutes changed since the last call that end at or before
    /// <paramref name="closedBeforeMs"/>; marks them clean. Minutes that are still open stay dirty.
    /// </summary>
    public List<Rollup> TakeDirtyRollups(long closedBeforeMs)
    {
        var rollups = new List<Rollup>();
        lock (_open)
        {
            if (_dirtyCount == 0)
            {
                return rollups;
            }

            var accumulator = t_rollupAccumulator ??= new WindowAccumulator();
            Array.Sort(_dirtyMinutes!, 0, _dirtyCount);
            var taken = 0;
            foreach (var minute in _dirtyMinutes.AsSpan(0, _dirtyCount))
            {
                var minuteStart = minute * 60_000;
                if (minuteStart + 60_000 > closedBeforeMs)
                {
                    break;
                }

                taken++;
                accumulator.Reset();
                AggregateLocked(accumulator, minuteStart, minuteStart + 60_000);
                if (accumulator.Count > 0)
                {
                    rollups.Add(new Rollup(
                        minuteStart,
                        accumulator.Count,
                        accumulator.Sum,
                        accumulator.Min,
                        accumulator.Max,
                        accumulator.Last,
                        (int)Math.Clamp(accumulator.LastTimestampMs - minuteStart, 0, 59_999),
                        _hotBins is null ? null : accumulator.PackBins()));
                }
            }

            Array.Copy(_dirtyMinutes!, taken, _dirtyMinutes!, 0, _dirtyCount - taken);
            _dirtyCount -= taken;
            _lastDirtyMinute = long.MinValue;
            accumulator.Reset();
        }

        return rollups;
    }

    /// <summary>Marks a minute as changed again (its rollup could not be written).</summary>
    public void MarkDirty(long minuteStartMs)
    {
        lock (_open)
        {
            MarkDirtyLocked(minuteStartMs / 60_000);
        }
    }

    /// <summary>Loads a persisted rollup back into memory (after a restart). Not marked dirty.</summary>
    public void Restore(Rollup rollup)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        lock (_open)
        {
            if (_openCount == 0 && rollup.MinuteStartMs > _log.LastStart && (_patches is null || _patches.Count == 0))
            {
                // Rollups come back oldest first: straight into the compact log.
                _log.Append(rollup.MinuteStartMs, rollup.Count, rollup.Sum, rollup.Min, rollup.Max, rollup.Last, rollup.Bins);
            }
            else
            {
                ref var bucket = ref FindOrAddBucket(rollup.MinuteStartMs, out var isHot);
                bucket.Count += (int)rollup.Count;
                bucket.Sum = FiniteValues.Add(bucket.Sum, rollup.Sum);
                bucket.Min = Math.Min(bucket.Min, rollup.Min);
                bucket.Max = Math.Max(bucket.Max, rollup.Max);
                if (rollup.LastOffsetMs >= bucket.LastOffsetMs)
                {
                    bucket.LastOffsetMs = rollup.LastOffsetMs;
                    bucket.Last = rollup.Last;
                }

                if (_hotBins is not null && rollup.Bins is { Length: > 0 })
                {
                    if (isHot)
                    {
                        foreach (var entry in rollup.Bins)
                        {
                            for (var n = 0u; n < SketchMapping.PackedCount(entry); n++)
                            {
                                _hotBins.Add(SketchMapping.PackedCode(entry));
                            }
                        }
                    }
                    else
                    {
                        bucket.Bins = [.. bucket.Bins ?? [], .. rollup.Bins];
                    }
                }
            }

            var ts = rollup.MinuteStartMs + rollup.LastOffsetMs;
            if (ts >= LastSeenMs)
            {
                LastSeenMs = ts;
                LastValue = rollup.Last;
            }
        }
    }

    /// <summary>
    /// Drops buckets that start before <paramref name="horizonMs"/>, keeping minutes not yet
    /// flushed. Encoded buckets go in whole blocks of 16, so up to one block older than the
    /// horizon may stay; windows read from the horizon on are unaffected.
    /// </summary>
    public void Prune(long horizonMs)
    {
        lock (_open)
        {
            var keepFrom = horizonMs;
            foreach (var minute in _dirtyMinutes.AsSpan(0, _dirtyCount))
            {
                keepFrom = Math.Min(keepFrom, minute * 60_000);
            }

            _log.DropBefore(keepFrom);
            var drop = 0;
            while (drop < _openCount && _open[drop].Start < keepFrom)
            {
                drop++;
            }

            if (drop > 0)
            {
                if (drop == _openCount)
                {
                    _hotBins?.Freeze(); // the newest bucket goes too: its hot bins with it
                }

                Array.Copy(_open, drop, _open, 0, _openCount - drop);
                Array.Clear(_open, _openCount - drop, drop);
                _openCount -= drop;
            }

            _patches?.RemoveAll(p => p.Start < keepFrom);
        }
    }

    /// <summary>An estimate of the bytes this series holds in memory.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_open)
            {
                var bucketSize = System.Runtime.CompilerServices.Unsafe.SizeOf<Bucket>();
                long bytes = 136 + 24 + (OpenBuckets * (long)bucketSize) + _log.RetainedBytes + (_hotBins?.RetainedBytes ?? 0);
                for (var i = 0; i < _openCount; i++)
                {
                    bytes += _open[i].Bins is { } bins ? 24 + (bins.Length * sizeof(uint)) : 0;
                }

                if (_patches is not null)
                {
                    bytes += 32 + (_patches.Capacity * (long)bucketSize);
                    foreach (var patch in _patches)
                    {
                        bytes += patch.Bins is { } bins ? 24 + (bins.Length * sizeof(uint)) : 0;
                    }
                }

                bytes += _dirtyMinutes is null ? 0 : 24 + (_dirtyMinutes.Length * sizeof(long));
                return bytes;
            }
        }
    }

    private void AggregateLocked(WindowAccumulator accumulator, long fromMs, long toMs)
    {
        _log.DecodeInto(accumulator, fromMs, toMs, IsError, _hotBins is not null);
        AggregateUnencodedLocked(accumulator, fromMs, toMs, withBins: true);
    }

    /// <summary>Merges the patches and open buckets in the range (everything not in the log).</summary>
    private void AggregateUnencodedLocked(WindowAccumulator accumulator, long fromMs, long toMs, bool withBins)
    {
        if (_patches is not null)
        {
            foreach (var patch in _patches)
            {
                if (patch.Start >= fromMs && patch.Start < toMs)
                {
                    var copy = patch;
                    AddBucket(accumulator, ref copy, isHot: false, withBins);
                }
            }
        }

        for (var i = 0; i < _openCount; i++)
        {
            ref var bucket = ref _open[i];
            if (bucket.Start >= fromMs && bucket.Start < toMs)
            {
                AddBucket(accumulator, ref bucket, isHot: i == _openCount - 1, withBins);
            }
        }
    }

    private void MarkDirtyLocked(long minute)
    {
        _dirtyMinutes ??= new long[2];
        if (Array.IndexOf(_dirtyMinutes, minute, 0, _dirtyCount) < 0)
        {
            if (_dirtyCount == _dirtyMinutes.Length)
            {
                Array.Resize(ref _dirtyMinutes, _dirtyCount * 2);
            }

            _dirtyMinutes[_dirtyCount++] = minute;
        }

        _lastDirtyMinute = minute;
    }

    private static long Mod(long value, long divisor)
    {
        var rem = value % divisor;
        return rem < 0 ? rem + divisor : rem;
    }

    private static uint[] AddToPacked(uint[] packed, int code, int count)
    {
        var left = (uint)count;
        for (var i = 0; i < packed.Length && left > 0; i++)
        {
            var held = SketchMapping.PackedCount(packed[i]);
            if (SketchMapping.PackedCode(packed[i]) == code && held < SketchMapping.MaxPackedCount)
            {
                var added = Math.Min(left, SketchMapping.MaxPackedCount - held);
                packed[i] += added;
                left -= added;
            }
        }

        // An entry holds at most MaxPackedCount: a larger count takes several entries of the code.
        var entries = new List<uint>();
        while (left > 0)
        {
            var added = Math.Min(left, SketchMapping.MaxPackedCount);
            entries.Add(SketchMapping.Pack(code, added));
            left -= added;
        }

        return entries.Count == 0 ? packed : [.. packed, .. entries];
    }

    private void AddBucket(WindowAccumulator accumulator, ref Bucket bucket, bool isHot, bool withBins)
    {
        accumulator.AddStats(bucket.Count, bucket.Sum, bucket.Min, bucket.Max, bucket.Last, bucket.Start + bucket.LastOffsetMs, IsError);
        if (!withBins)
        {
            return;
        }

        if (isHot)
        {
            _hotBins?.AddTo(accumulator);
        }
        else if (bucket.Bins is not null)
        {
            accumulator.AddPacked(bucket.Bins);
        }
    }

    /// <summary>
    /// The bucket starting at <paramref name="start"/>: one of the open buckets (opening a
    /// new one and encoding the oldest when it is newer than all), or a patch when the start
    /// is already encoded. <paramref name="isHot"/> tells whether its bins are the hot ones.
    /// </summary>
    private ref Bucket FindOrAddBucket(long start, out bool isHot)
    {
        for (var i = _openCount - 1; i >= 0; i--)
        {
            if (_open[i].Start == start)
            {
                isHot = i == _openCount - 1;
                return ref _open[i];
            }

            if (_open[i].Start < start)
            {
                // Belongs after open bucket i: a new newest bucket, or a gap between two.
                return ref OpenBucket(i + 1, start, out isHot);
            }
        }

        // Older than every open bucket.
        if (start > _log.LastStart && (_openCount < OpenBuckets))
        {
            return ref OpenBucket(0, start, out isHot);
        }

        isHot = false;
        return ref Patch(start);
    }

    private ref Bucket OpenBucket(int index, long start, out bool isHot)
    {
        if (_openCount == OpenBuckets)
        {
            if (index == 0)
            {
                isHot = false;
                return ref Patch(start);
            }

            EncodeOldestOpen();
            index--;
        }

        if (index == _openCount && _openCount > 0 && _hotBins is not null)
        {
            // The newest bucket is no longer the newest: pack its hot bins.
            _open[_openCount - 1].Bins = _hotBins.Freeze();
        }

        Array.Copy(_open, index, _open, index + 1, _openCount - index);
        _openCount++;
        _open[index] = Bucket.Empty(start);
        isHot = index == _openCount - 1;
        if (!isHot && _hotBins is not null)
        {
            _open[index].Bins = [];
        }

        return ref _open[index];
    }

    private void EncodeOldestOpen()
    {
        ref var oldest = ref _open[0];
        if (oldest.Start <= _log.LastStart)
        {
            // Cannot happen: open buckets are always newer than the log. Keep the data anyway.
            Patch(oldest.Start) = oldest;
        }
        else
        {
            _log.Append(oldest.Start, oldest.Count, oldest.Sum, oldest.Min, oldest.Max, oldest.Last, oldest.Bins);
        }

        Array.Copy(_open, 1, _open, 0, _openCount - 1);
        _openCount--;
        _open[_openCount] = default;
    }

    private ref Bucket Patch(long start)
    {
        _patches ??= [];
        int low = 0, high = _patches.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (_patches[mid].Start < start)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        if (low == _patches.Count || _patches[low].Start != start)
        {
            var bucket = Bucket.Empty(start);
            bucket.Bins = _hotBins is null ? null : [];
            _patches.Insert(low, bucket);
        }

        return ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_patches)[low];
    }

    private struct Bucket
    {
        public long Start;
        public double Sum;
        public double Min;
        public double Max;
        public double Last;
        public uint[]? Bins;
        public int Count;
        public int LastOffsetMs;

        public static Bucket Empty(long start) => new()
        {
            Start = start,
            Min = double.PositiveInfinity,
            Max = double.NegativeInfinity,
            LastOffsetMs = -1,
        };
    }

    private readonly record struct UnshippedPoint(double Value, long TimestampMs, int Count);
}
