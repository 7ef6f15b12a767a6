namespace Vigil.Core.Metrics;

/// <summary>
/// Merges the buckets of one or more series over a window and answers every
/// <see cref="Aggregation"/> from the merged state. Quantiles come from the merged sketch
/// bins, so they keep the sketch's 1 % relative-error bound whatever was merged.
/// Not thread-safe: one per caller (it holds 32 KB of bins, so reuse it with <see cref="Reset"/>).
/// </summary>
public sealed class WindowAccumulator
{
    private readonly long[] _bins = new long[SketchMapping.CodeCount];
    private int _minCode = int.MaxValue;
    private int _maxCode = -1;
    private long _binTotal;

    /// <summary>Number of points merged.</summary>
    public long Count { get; private set; }

    /// <summary>Sum of the values merged.</summary>
    public double Sum { get; private set; }

    /// <summary>Smallest value merged (+∞ when empty).</summary>
    public double Min { get; private set; } = double.PositiveInfinity;

    /// <summary>Largest value merged (−∞ when empty).</summary>
    public double Max { get; private set; } = double.NegativeInfinity;

    /// <summary>The value with the latest timestamp.</summary>
    public double Last { get; private set; } = double.NaN;

    /// <summary>Timestamp of <see cref="Last"/> in Unix milliseconds.</summary>
    public long LastTimestampMs { get; private set; } = long.MinValue;

    /// <summary>Points merged from series whose <c>status</c> label marks an error.</summary>
    public long ErrorCount { get; private set; }

    /// <summary>Whether the merged series are counters (rates then sum increments).</summary>
    public bool IsCounter { get; set; }

    /// <summary>Whether quantile bins were merged (timing series).</summary>
    public bool HasBins => _binTotal > 0;

    /// <summary>How many of the merged points are in the sketch bins (the population <see cref="CountAtOrBelow"/> counts from).</summary>
    public long BinnedCount => _binTotal;

    /// <summary>Clears the merged state.</summary>
    public void Reset()
    {
        if (_maxCode >= 0)
        {
            Array.Clear(_bins, _minCode, _maxCode - _minCode + 1);
        }

        _minCode = int.MaxValue;
        _maxCode = -1;
        _binTotal = 0;
        Count = 0;
        Sum = 0;
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
        Last = double.NaN;
        LastTimestampMs = long.MinValue;
        ErrorCount = 0;
        IsCounter = false;
    }

    internal void AddStats(long count, double sum, double min, double max, double last, long lastTimestampMs, bool isError)
    {
        Count += count;
        Sum = FiniteValues.Add(Sum, sum);
        if (min < Min)
        {
            Min = min;
        }

        if (max > Max)
        {
            Max = max;
        }

        if (lastTimestampMs >= LastTimestampMs)
        {
            LastTimestampMs = lastTimestampMs;
            Last = last;
        }

        if (isError)
        {
            ErrorCount += count;
        }
    }

    /// <summary>Merges a persisted 1-minute rollup.</summary>
    public void AddRollup(Rollup rollup, bool isError)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        AddStats(rollup.Count, rollup.Sum, rollup.Min, rollup.Max, rollup.Last, rollup.MinuteStartMs + rollup.LastOffsetMs, isError);
        if (rollup.Bins is not null)
        {
            AddPacked(rollup.Bins);
        }
    }

    /// <summary>What is merged, as one <see cref="MergedMinute"/> (the series of a group over one minute), so a window sliding over it merges each minute once rather than each series.</summary>
    internal MergedMinute ToMinute(long minuteStartMs) =>
        new(minuteStartMs, Count, Sum, Min, Max, Last, LastTimestampMs, ErrorCount, HasBins ? PackBins() : null);

    /// <summary>Merges a <see cref="MergedMinute"/>; without <paramref name="bins"/>, all of it but its sketch bins.</summary>
    internal void AddMinute(MergedMinute minute, bool bins = true)
    {
        AddStats(minute.Count, minute.Sum, minute.Min, minute.Max, minute.Last, minute.LastTimestampMs, isError: false);
        ErrorCount += minute.ErrorCount;
        if (bins && minute.Bins is not null)
        {
            AddPacked(minute.Bins);
        }
    }

    /// <summary>Merges one timing point (for tools and tests that hold durations one by one).</summary>
    internal void AddPoint(double value)
    {
        AddStats(1, value, value, value, value, 0, isError: false);
        AddBin(SketchMapping.Code(value), 1);
    }

    internal void AddBin(int code, long count)
    {
        _bins[code] += count;
        _binTotal += count;
        if (code < _minCode)
        {
            _minCode = code;
        }

        if (code > _maxCode)
        {
            _maxCode = code;
        }
    }

    /// <summary>Adds dense bin counts: <paramref name="counts"/>[i] to the bin of code <paramref name="firstCode"/> + i.</summary>
    internal void AddBins(ReadOnlySpan<int> counts, int firstCode)
    {
        if (counts.IsEmpty)
        {
            return;
        }

        var bins = _bins.AsSpan(firstCode, counts.Length);
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            bins[i] += counts[i];
            total += counts[i];
        }

        if (total == 0)
        {
            return;
        }

        // Zero counts at either end widen the range walked, not the result.
        _binTotal += total;
        if (firstCode < _minCode)
        {
            _minCode = firstCode;
        }

        if (firstCode + counts.Length - 1 > _maxCode)
        {
            _maxCode = firstCode + counts.Length - 1;
        }
    }

    /// <summary>
    /// Merges a summary kept elsewhere (for example an operation's hour): its point and error
    /// counts, sum, extremes and packed sketch bins (as <see cref="PackedBins"/> returns them).
    /// </summary>
    public void AddSummary(long count, long errorCount, double sum, double min, double max, uint[]? packedBins)
    {
        AddStats(count, sum, min, max, double.NaN, long.MinValue, isError: false);
        ErrorCount += errorCount;
        if (packedBins is not null)
        {
            AddPacked(packedBins);
        }
    }

    /// <summary>
    /// How many of the merged timing points were at most <paramref name="value"/>, by their sketch
    /// bins (a point within the sketch's 1 % of the value may count on either side); without bins,
    /// all of them when the largest is at most the value, else none.
    /// </summary>
    public long CountAtOrBelow(double value)
    {
        if (_binTotal == 0)
        {
            return Count > 0 && Max <= value ? Count : 0;
        }

        long count = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            if (_bins[code] > 0 && SketchMapping.CodeValue(code) <= value)
            {
                count += _bins[code];
            }
        }

        return count;
    }

    /// <summary>
    /// Copies the merged timing points' values into <paramref name="into"/>, one per point,
    /// ascending (each its sketch bin's value: within 1 %); false, with nothing copied, when more
    /// points were merged than it holds or not every point is in the bins (no timing points).
    /// </summary>
    public bool TryCopyValues(Span<float> into, out int count)
    {
        count = 0;
        if (_binTotal != Count || _binTotal > into.Length)
        {
            return false;
        }

        for (var code = _minCode; code <= _maxCode; code++)
        {
            var value = (float)BinValue(code);
            for (var k = 0L; k < _bins[code]; k++)
            {
                into[count++] = value;
            }
        }

        return true;
    }

    /// <summary>
    /// The mean of the merged timing points' natural logarithms, each point its sketch bin's value
    /// (within 1 %), without the lowest and the highest <paramref name="trim"/> share of them (a
    /// point at a cut counting in part): the logarithm of their geometric mean, trimmed. Trimmed, a
    /// few points many times slower than the rest (a cold cache, a retry) move it little, and a 0 ms
    /// point among the lowest is left out. Null when no timing points were merged, or when a point
    /// kept was 0 (a geometric mean with a 0 in it says nothing about the others).
    /// </summary>
    /// <param name="trim">The share left out at each end, from 0 up to (not including) 0.5.</param>
    public double? LogMean(double trim = 0)
    {
        if (!(trim >= 0 && trim < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(trim), trim, "A share from 0 up to (not including) 0.5.");
        }

        if (_binTotal == 0)
        {
            return null;
        }

        // The points are the unit intervals (i, i + 1] in ascending order; those within (cut, total − cut] are kept.
        var (cut, zero) = (_binTotal * trim, SketchMapping.Code(0));
        double sum = 0, kept = 0, seen = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            var count = _bins[code];
            var part = Math.Min(seen + count, _binTotal - cut) - Math.Max(seen, cut);
            seen += count;
            if (part <= 1e-9)
            {
                continue; // none of the bin's points kept (or a rounding's worth)
            }

            if (code == zero)
            {
                return null;
            }

            sum += part * Math.Log(BinValue(code));
            kept += part;
        }

        return sum / kept;
    }

    /// <summary>The value a merged point in bin <paramref name="code"/> stands for: the bin's, within the merged minimum and maximum.</summary>
    private double BinValue(int code) => Math.Clamp(SketchMapping.CodeValue(code), Min, Max);

    /// <summary>The merged sketch bins packed as rollups store them, or null when no timing points were merged.</summary>
    public uint[]? PackedBins() => HasBins ? PackBins() : null;

    internal void AddPacked(uint[] packed)
    {
        foreach (var entry in packed)
        {
            AddBin(SketchMapping.PackedCode(entry), SketchMapping.PackedCount(entry));
        }
    }

    /// <summary>The merged bins packed as in a bucket (for rollups).</summary>
    internal uint[] PackBins()
    {
        var entries = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            entries += (int)((_bins[code] + SketchMapping.MaxPackedCount - 1) / SketchMapping.MaxPackedCount);
        }

        var packed = new uint[entries];
        var next = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            var count = _bins[code];
            while (count > 0)
            {
                var part = (uint)Math.Min(count, SketchMapping.MaxPackedCount);
                packed[next++] = SketchMapping.Pack(code, part);
                count -= part;
            }
        }

        return packed;
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1) by the nearest-rank convention (the
    /// value of rank ⌈q × n⌉ of the n sorted values, the first for q = 0, as HdrHistogram
    /// answers), within 1 % of that value, or null when no timing points were merged.
    /// A quantile is always one of the recorded values (within 1 %), never between two.
    /// </summary>
    public double? Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        if (_binTotal == 0)
        {
            return null;
        }

        var rank = NearestRank(q, _binTotal);
        long seen = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            seen += _bins[code];
            if (seen >= rank)
            {
                return BinValue(code);
            }
        }

        return Max;
    }

    /// <summary>
    /// The nearest rank of quantile <paramref name="q"/> among <paramref name="count"/> sorted
    /// values: ⌈q × n⌉, at least 1 (1-based). The product gives up a relative 10⁻¹² before it is
    /// rounded up, so a binary representation error (0.07 × 100 = 7.000000000000001) does not
    /// move the rank up by one.
    /// </summary>
    internal static long NearestRank(double q, long count)
    {
        var product = q * count;
        return Math.Clamp((long)Math.Ceiling(product - (product * 1e-12)), 1, Math.Max(count, 1));
    }

    /// <summary>
    /// Reduces the merged state with <paramref name="aggregation"/> over a window of
    /// <paramref name="window"/>; null when the window holds nothing to reduce. Always finite:
    /// a rate over a tiny window or a sum of values stored before the accepted range was
    /// enforced saturates at ±<see cref="double.MaxValue"/> (see <see cref="FiniteValues"/>).
    /// </summary>
    public double? Value(Aggregation aggregation, TimeSpan window) => FiniteValues.FiniteOrNull(Reduce(aggregation, window));

    private double? Reduce(Aggregation aggregation, TimeSpan window)
    {
        var rateBase = IsCounter ? Sum : Count;
        return aggregation switch
        {
            Aggregation.Count => Count,
            Aggregation.Sum => Sum,
            Aggregation.Min => Count == 0 ? null : Min,
            Aggregation.Max => Count == 0 ? null : Max,
            Aggregation.Avg => Count == 0 ? null : Sum / Count,
            Aggregation.Last => Count == 0 ? null : Last,
            Aggregation.RatePerSecond => window > TimeSpan.Zero ? rateBase / window.TotalSeconds : null,
            Aggregation.RatePerMinute => window > TimeSpan.Zero ? rateBase / window.TotalMinutes : null,
            Aggregation.ErrorRatePercent => Count == 0 ? null : 100.0 * ErrorCount / Count,
            _ => Quantile(aggregation.Quantile()!.Value),
        };
    }
}
