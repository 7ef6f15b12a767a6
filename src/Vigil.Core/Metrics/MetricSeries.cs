namespace Vigil.Core.Metrics;

/// <summary>
/// One series (a metric name and a label set) held in memory as a time-ordered ring of
/// fixed buckets (10 s by default) covering the in-memory retention (1 h by default). Each
/// bucket keeps count, sum, min, max and the latest value; timing series also keep the
/// bins of a quantile sketch. Thread-safe: recording and reading take a per-series lock,
/// which is uncontended unless one series is written and read at the same instant.
/// </summary>
public sealed class MetricSeries
{
    private readonly Lock _lock = new();
    private readonly long _bucketMs;
    private readonly HotBins? _hotBins;
    private Bucket[] _ring = new Bucket[2];
    private int _head;
    private int _length;
    [ThreadStatic]
    private static WindowAccumulator? t_rollupAccumulator;

    // Minutes changed since their rollup was last taken: few at a time (the current minute,
    // now and then a late one), so a small list beats a set.
    private List<long>? _dirtyMinutes;
    private long _lastDirtyMinute = long.MinValue;

    internal MetricSeries(string key, string name, LabelSet labels, MetricType type, TimeSpan bucketSize)
    {
        Key = key;
        Name = name;
        Labels = labels;
        Type = type;
        IsError = IsErrorStatus(labels["status"]);
        _bucketMs = (long)bucketSize.TotalMilliseconds;
        _hotBins = type == MetricType.Timing ? new HotBins() : null;
    }

    /// <summary>The canonical key <c>name{labels}</c>.</summary>
    public string Key { get; }

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

    /// <summary>Records one point. The caller has validated the value and timestamp.</summary>
    public void Record(double value, long timestampMs)
    {
        var bucketStart = timestampMs - Mod(timestampMs, _bucketMs);
        lock (_lock)
        {
            ref var bucket = ref FindOrAddBucket(bucketStart);
            bucket.Count++;
            bucket.Sum += value;
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
                if (bucket.Bins is null)
                {
                    _hotBins.Add(code);
                }
                else
                {
                    bucket.Bins = AddToPacked(bucket.Bins, code);
                }
            }

            TotalCount++;
            TotalSum += value;
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
    }

    /// <summary>Merges the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>) into the accumulator.</summary>
    public void AggregateInto(WindowAccumulator accumulator, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        accumulator.IsCounter = Type == MetricType.Counter;
        lock (_lock)
        {
            var first = LowerBound(fromMs);
            for (var i = first; i < _length; i++)
            {
                ref var bucket = ref At(i);
                if (bucket.Start >= toMs)
                {
                    break;
                }

                AddBucket(accumulator, ref bucket, i == _length - 1);
            }
        }
    }

    /// <summary>Start (Unix ms) of the oldest bucket held, or null when empty.</summary>
    public long? OldestBucketStart
    {
        get
        {
            lock (_lock)
            {
                return _length == 0 ? null : At(0).Start;
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
        lock (_lock)
        {
            if (_dirtyMinutes is null || _dirtyMinutes.Count == 0)
            {
                return rollups;
            }

            var accumulator = t_rollupAccumulator ??= new WindowAccumulator();
            _dirtyMinutes.Sort();
            var taken = 0;
            foreach (var minute in _dirtyMinutes)
            {
                var minuteStart = minute * 60_000;
                if (minuteStart + 60_000 > closedBeforeMs)
                {
                    break;
                }

                taken++;
                accumulator.Reset();
                var lastTs = long.MinValue;
                for (var i = LowerBound(minuteStart); i < _length && At(i).Start < minuteStart + 60_000; i++)
                {
                    ref var bucket = ref At(i);
                    AddBucket(accumulator, ref bucket, i == _length - 1);
                    lastTs = Math.Max(lastTs, bucket.Start + bucket.LastOffsetMs);
                }

                if (accumulator.Count > 0)
                {
                    rollups.Add(new Rollup(
                        minuteStart,
                        accumulator.Count,
                        accumulator.Sum,
                        accumulator.Min,
                        accumulator.Max,
                        accumulator.Last,
                        (int)(lastTs - minuteStart),
                        _hotBins is null ? null : accumulator.PackBins()));
                }
            }

            _dirtyMinutes.RemoveRange(0, taken);
            _lastDirtyMinute = long.MinValue;
            accumulator.Reset();
        }

        return rollups;
    }

    /// <summary>Marks a minute as changed again (its rollup could not be written).</summary>
    public void MarkDirty(long minuteStartMs)
    {
        lock (_lock)
        {
            MarkDirtyLocked(minuteStartMs / 60_000);
        }
    }

    /// <summary>Loads a persisted rollup back into memory (after a restart). Not marked dirty.</summary>
    public void Restore(Rollup rollup)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        lock (_lock)
        {
            ref var bucket = ref FindOrAddBucket(rollup.MinuteStartMs);
            bucket.Count += (int)rollup.Count;
            bucket.Sum += rollup.Sum;
            bucket.Min = Math.Min(bucket.Min, rollup.Min);
            bucket.Max = Math.Max(bucket.Max, rollup.Max);
            if (rollup.LastOffsetMs >= bucket.LastOffsetMs)
            {
                bucket.LastOffsetMs = rollup.LastOffsetMs;
                bucket.Last = rollup.Last;
            }

            if (_hotBins is not null && rollup.Bins is { Length: > 0 })
            {
                if (bucket.Bins is null)
                {
                    // The newest bucket keeps its bins hot; pack them so the restored bins can join.
                    bucket.Bins = _hotBins.Freeze();
                }

                bucket.Bins = [.. bucket.Bins, .. rollup.Bins];
            }

            var ts = rollup.MinuteStartMs + rollup.LastOffsetMs;
            if (ts >= LastSeenMs)
            {
                LastSeenMs = ts;
                LastValue = rollup.Last;
            }
        }
    }

    /// <summary>Drops buckets that start before <paramref name="horizonMs"/>, keeping minutes not yet flushed.</summary>
    public void Prune(long horizonMs)
    {
        lock (_lock)
        {
            var keepFrom = horizonMs;
            foreach (var minute in _dirtyMinutes ?? [])
            {
                keepFrom = Math.Min(keepFrom, minute * 60_000);
            }

            while (_length > 0 && At(0).Start < keepFrom)
            {
                if (_hotBins is not null && At(0).Bins is null)
                {
                    _hotBins.Freeze();
                }

                At(0) = default;
                _head = (_head + 1) % _ring.Length;
                _length--;
            }
        }
    }

    /// <summary>An estimate of the bytes this series holds in memory.</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_lock)
            {
                long bytes = 96 + 24 + (_ring.Length * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<Bucket>()) + (_hotBins?.RetainedBytes ?? 0);
                for (var i = 0; i < _length; i++)
                {
                    if (At(i).Bins is { } bins)
                    {
                        bytes += 24 + (bins.Length * sizeof(uint));
                    }
                }

                return bytes;
            }
        }
    }

    private void MarkDirtyLocked(long minute)
    {
        _dirtyMinutes ??= new List<long>(2);
        if (!_dirtyMinutes.Contains(minute))
        {
            _dirtyMinutes.Add(minute);
        }

        _lastDirtyMinute = minute;
    }

    private static long Mod(long value, long divisor)
    {
        var rem = value % divisor;
        return rem < 0 ? rem + divisor : rem;
    }

    private static uint[] AddToPacked(uint[] packed, int code)
    {
        for (var i = 0; i < packed.Length; i++)
        {
            if (SketchMapping.PackedCode(packed[i]) == code && SketchMapping.PackedCount(packed[i]) < SketchMapping.MaxPackedCount)
            {
                packed[i]++;
                return packed;
            }
        }

        return [.. packed, SketchMapping.Pack(code, 1)];
    }

    private void AddBucket(WindowAccumulator accumulator, ref Bucket bucket, bool isNewest)
    {
        accumulator.AddStats(bucket.Count, bucket.Sum, bucket.Min, bucket.Max, bucket.Last, bucket.Start + bucket.LastOffsetMs, IsError);
        if (bucket.Bins is not null)
        {
            accumulator.AddPacked(bucket.Bins);
        }
        else if (isNewest)
        {
            _hotBins?.AddTo(accumulator);
        }
    }

    private ref Bucket At(int i) => ref _ring[(_head + i) % _ring.Length];

    /// <summary>Index of the first bucket starting at or after <paramref name="startMs"/>.</summary>
    private int LowerBound(long startMs)
    {
        int low = 0, high = _length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (At(mid).Start < startMs)
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

    private ref Bucket FindOrAddBucket(long start)
    {
        if (_length > 0)
        {
            ref var newest = ref At(_length - 1);
            if (newest.Start == start)
            {
                return ref newest;
            }

            if (newest.Start < start)
            {
                // A new bucket: the hot bins of the newest bucket are packed for good.
                if (_hotBins is not null && newest.Bins is null)
                {
                    newest.Bins = _hotBins.Freeze();
                }

                return ref Append(start);
            }

            var index = LowerBound(start);
            if (At(index).Start == start)
            {
                return ref At(index);
            }

            return ref Insert(index, start);
        }

        return ref Append(start);
    }

    private ref Bucket Append(long start)
    {
        EnsureCapacity();
        _length++;
        ref var bucket = ref At(_length - 1);
        bucket = Bucket.Empty(start);
        return ref bucket;
    }

    private ref Bucket Insert(int index, long start)
    {
        EnsureCapacity();
        _length++;
        for (var i = _length - 1; i > index; i--)
        {
            At(i) = At(i - 1);
        }

        ref var bucket = ref At(index);
        bucket = Bucket.Empty(start);
        bucket.Bins = _hotBins is null ? null : [];
        return ref bucket;
    }

    private void EnsureCapacity()
    {
        if (_length < _ring.Length)
        {
            return;
        }

        var ring = new Bucket[_ring.Length * 2];
        for (var i = 0; i < _length; i++)
        {
            ring[i] = At(i);
        }

        _ring = ring;
        _head = 0;
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
}

/// <summary>A persisted 1-minute summary of one series.</summary>
/// <param name="MinuteStartMs">Start of the minute, Unix milliseconds.</param>
/// <param name="Count">Number of points.</param>
/// <param name="Sum">Sum of values.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Last">Value of the latest point.</param>
/// <param name="LastOffsetMs">Offset of the latest point from the minute's start.</param>
/// <param name="Bins">Packed sketch bins (timings), or null.</param>
public sealed record Rollup(long MinuteStartMs, long Count, double Sum, double Min, double Max, double Last, int LastOffsetMs, uint[]? Bins)
{
    /// <summary>The rollup of the points of both (same minute).</summary>
    public Rollup Merge(Rollup other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var otherIsLater = other.LastOffsetMs >= LastOffsetMs;
        return new Rollup(
            MinuteStartMs,
            Count + other.Count,
            Sum + other.Sum,
            Math.Min(Min, other.Min),
            Math.Max(Max, other.Max),
            otherIsLater ? other.Last : Last,
            Math.Max(LastOffsetMs, other.LastOffsetMs),
            Bins is null ? other.Bins : other.Bins is null ? Bins : [.. Bins, .. other.Bins]);
    }
}
