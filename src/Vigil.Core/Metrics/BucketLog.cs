using System.Buffers.Binary;
using System.Numerics;

namespace Vigil.Core.Metrics;

/// <summary>
/// The closed buckets of one series, encoded back to back in one byte array. A bucket of one
/// point that follows the previous one takes a header byte and its value; others take a flags
/// byte, the start and count when not the usual, then sum, min, max and last. A value is
/// written as the zigzag varint of its difference from the same field of the previous bucket
/// when it is a whole number of units (microseconds for timings, which are kept to the
/// microsecond; whole numbers for gauges and counters), otherwise XOR-ed with that field so
/// only the bytes that changed are written (Facebook Gorilla's idea at byte granularity).
/// Sketch bins are delta-coded, one byte per bin when both delta and count are below 16.
/// Buckets are grouped in blocks of 32 that decode on their own, so a window query starts at
/// the right block and old blocks are dropped whole.
/// </summary>
internal sealed class BucketLog
{
    /// <summary>Buckets per block: decoding starts, and pruning drops, whole blocks.</summary>
    internal const int BlockSize = 32;

    // A one-point bucket right after the previous one: the header says so in its top bit.
    private const byte CompactRecord = 0x80;
    private const byte CompactInteger = 0x40;
    private const byte XorUnchanged = 0x3F;

    // Otherwise a flags byte.
    private const byte StartIsNext = 1;
    private const byte SinglePoint = 2;
    private const byte HasBins = 4;
    private const byte Integers = 8;
    private const byte SparseBins = 16;

    private const int EmptiedGeneration = 1 << 20;

    // Whole units below 2^53 are exact in a double.
    private const double MaxUnits = 9_007_199_254_740_992d;

    private readonly long _bucketMs;
    private readonly double _scale;
    private readonly bool _round;
    private byte[] _bytes = [];
    private int _start;
    private int _end;
    private Block[] _blocks = [];
    private int _blockCount;
    private int _lastBlockCount;
    // Bumped by 1 when blocks are dropped, by EmptiedGeneration when all are.
    private int _generation;

    // Encoder state of the last block.
    private long _previousStart;
    private ulong _previousSum;
    private ulong _previousMin;
    private ulong _previousMax;
    private ulong _previousLast;

    /// <summary>Creates a log; timings are kept to the microsecond (values in ms × 1000, rounded).</summary>
    public BucketLog(long bucketMs, bool isTiming)
    {
        _bucketMs = bucketMs;
        _scale = isTiming ? 1000 : 1;
        _round = isTiming;
    }

    public bool IsEmpty => _blockCount == 0;

    /// <summary>Units per value: 1000 for timings (microseconds), else 1.</summary>
    public double Scale => _scale;

    /// <summary>Start of the newest encoded bucket, or <see cref="long.MinValue"/>.</summary>
    public long LastStart { get; private set; } = long.MinValue;

    /// <summary>Start of the oldest encoded bucket.</summary>
    public long FirstStart => BlockStart(0);

    public int RetainedBytes => 64 + 24 + _bytes.Length + 24 + (_blocks.Length * 8);

    /// <summary>Appends a closed bucket; its start must be after <see cref="LastStart"/>.</summary>
    public void Append(long start, long count, double sum, double min, double max, double last, uint[]? bins)
    {
        if (_blockCount == 0 || _lastBlockCount == BlockSize)
        {
            StartBlock(start);
        }

        var singlePoint = count == 1;
        // A single point's bin follows from its value: no need to store it.
        var storeBins = bins is { Length: > 0 } && !singlePoint;
        EnsureCapacity(64 + (storeBins ? bins!.Length * 10 : 0));
        var span = _bytes.AsSpan(_end);
        var delta = (start - _previousStart) / _bucketMs;
        int at;
        if (singlePoint && delta == 1)
        {
            if (TryUnits(last, out var units))
            {
                span[0] = CompactRecord | CompactInteger;
                at = 1 + WriteVarint(span[1..], ZigZag(units - Units(_previousLast)));
                last = units / _scale;
            }
            else
            {
                at = WriteXor(span, BitConverter.DoubleToUInt64Bits(last), _previousLast, CompactRecord);
            }

            // The decoder's view of the values: what the next bucket is written against.
            _previousSum = _previousMin = _previousMax = _previousLast = BitConverter.DoubleToUInt64Bits(last);
        }
        else
        {
            byte flags = 0;
            at = 1;
            if (delta == 1)
            {
                flags |= StartIsNext;
            }
            else
            {
                at += WriteVarint(span[at..], (ulong)delta);
            }

            if (singlePoint)
            {
                flags |= SinglePoint;
                sum = min = max = last;
            }
            else
            {
                at += WriteVarint(span[at..], (ulong)count);
            }

            if (TryUnits(sum, out var sumUnits) && TryUnits(min, out var minUnits) && TryUnits(max, out var maxUnits) && TryUnits(last, out var lastUnits))
            {
                flags |= Integers;
                if (!singlePoint)
                {
                    at += WriteVarint(span[at..], ZigZag(sumUnits - Units(_previousSum)));
                    at += WriteVarint(span[at..], ZigZag(minUnits - Units(_previousMin)));
                    at += WriteVarint(span[at..], ZigZag(maxUnits - Units(_previousMax)));
                }

                at += WriteVarint(span[at..], ZigZag(lastUnits - Units(_previousLast)));
                (sum, min, max, last) = (sumUnits / _scale, minUnits / _scale, maxUnits / _scale, lastUnits / _scale);
            }
            else
            {
                if (!singlePoint)
                {
                    at += WriteXor(span[at..], BitConverter.DoubleToUInt64Bits(sum), _previousSum, 0);
                    at += WriteXor(span[at..], BitConverter.DoubleToUInt64Bits(min), _previousMin, 0);
                    at += WriteXor(span[at..], BitConverter.DoubleToUInt64Bits(max), _previousMax, 0);
                }

                at += WriteXor(span[at..], BitConverter.DoubleToUInt64Bits(last), _previousLast, 0);
            }

            _previousSum = BitConverter.DoubleToUInt64Bits(sum);
            _previousMin = BitConverter.DoubleToUInt64Bits(min);
            _previousMax = BitConverter.DoubleToUInt64Bits(max);
            _previousLast = BitConverter.DoubleToUInt64Bits(last);

            if (storeBins)
            {
                flags |= HasBins;
                var sorted = SortedByCode(bins!);
                if (SparseIsSmaller(sorted))
                {
                    flags |= SparseBins;
                }

                at += WriteBins(span[at..], sorted, SketchMapping.Code(min), (flags & SparseBins) != 0);
            }

            span[0] = flags;
        }

        _end += at;
        _previousStart = start;
        LastStart = start;
        _lastBlockCount++;
    }

    /// <summary>Merges the buckets starting in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public void DecodeInto(WindowAccumulator accumulator, long fromMs, long toMs, bool isError, bool isTiming) =>
        DecodeInto(accumulator, fromMs, toMs, isError, isTiming, needsBins: isTiming);

    /// <summary>
    /// Merges the buckets starting in [<paramref name="fromMs"/>, <paramref name="toMs"/>); without
    /// <paramref name="needsBins"/> the sketch bins are skipped (an aggregation that reads no quantile).
    /// </summary>
    public void DecodeInto(WindowAccumulator accumulator, long fromMs, long toMs, bool isError, bool isTiming, bool needsBins)
    {
        isTiming &= needsBins;
        if (_blockCount == 0 || toMs <= BlockStart(0) || fromMs > LastStart)
        {
            return;
        }

        // The last block that starts at or before fromMs.
        var block = 0;
        for (int low = 0, high = _blockCount - 1; low <= high;)
        {
            var mid = (low + high) >>> 1;
            if (BlockStart(mid) <= fromMs)
            {
                block = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        for (; block < _blockCount && BlockStart(block) < toMs; block++)
        {
            if (!DecodeBlock(block, accumulator, fromMs, toMs, isError, isTiming))
            {
                return;
            }
        }
    }

    /// <summary>Drops the blocks that end at or before <paramref name="keepFromMs"/>.</summary>
    public void DropBefore(long keepFromMs)
    {
        var drop = 0;
        while (drop < _blockCount)
        {
            var end = drop + 1 < _blockCount ? BlockStart(drop + 1) : LastStart + _bucketMs;
            if (end > keepFromMs)
            {
                break;
            }

            drop++;
        }

        if (drop == 0)
        {
            return;
        }

        // Cursors look their block up again after a drop; after dropping everything they start over,
        // as blocks appended later may reuse a dropped block's first bucket.
        _generation += drop == _blockCount ? EmptiedGeneration : 1;
        if (drop == _blockCount)
        {
            _bytes = [];
            _blocks = [];
            _start = _end = _blockCount = _lastBlockCount = 0;
            LastStart = long.MinValue;
            return;
        }

        _start = _blocks[drop].Offset;
        Array.Copy(_blocks, drop, _blocks, 0, _blockCount - drop);
        _blockCount -= drop;
        if (_start > _bytes.Length / 2)
        {
            Compact(_bytes.Length);
        }
    }

    private bool DecodeBlock(int block, WindowAccumulator accumulator, long fromMs, long toMs, bool isError, bool isTiming)
    {
        ReadOnlySpan<byte> span = _bytes.AsSpan(_blocks[block].Offset);
        var at = 0;
        var start = BlockStart(block) - _bucketMs;
        var count = block == _blockCount - 1 ? _lastBlockCount : BlockSize;
        ulong sum = 0, min = 0, max = 0, last = 0;
        for (var i = 0; i < count; i++)
        {
            var hasBins = DecodeOne(span, ref at, ref start, ref sum, ref min, ref max, ref last, out var points, out var header);
            if (start >= toMs)
            {
                return false;
            }

            var inWindow = start >= fromMs;
            if (inWindow)
            {
                var lastValue = BitConverter.UInt64BitsToDouble(last);
                accumulator.AddStats(points, BitConverter.UInt64BitsToDouble(sum), BitConverter.UInt64BitsToDouble(min),
                    BitConverter.UInt64BitsToDouble(max), lastValue, start + _bucketMs - 1, isError);
                if (isTiming && points == 1 && !hasBins)
                {
                    accumulator.AddBin(SketchMapping.Code(lastValue), 1);
                }
            }

            if (hasBins)
            {
                if (inWindow && isTiming)
                {
                    ReadBins(span, ref at, SketchMapping.Code(BitConverter.UInt64BitsToDouble(min)), (header & SparseBins) != 0, accumulator);
                }
                else
                {
                    SkipBins(span, ref at, (header & SparseBins) != 0);
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Brings <paramref name="window"/> to the buckets starting in [<paramref name="fromMs"/>,
    /// <paramref name="toMs"/>): when both ends only moved forward since its last call, it
    /// subtracts the buckets that left and adds the ones that entered (or were encoded since),
    /// reading from its two cursors; otherwise (first call, a range that moved back, bins or
    /// extremes now needed, or its blocks dropped) it seeks and merges the range afresh. Bins and
    /// extremes, once kept, stay kept.
    /// </summary>
    public void Slide(SeriesWindow window, long fromMs, long toMs, bool withBins, bool withExtremes)
    {
        if (window.Positioned && window.Generation == _generation && fromMs >= window.FromMs && toMs >= window.ToMs
            && (!withBins || window.Bins is not null) && (!withExtremes || window.HasExtremes)
            && (window.Buckets == 0 || fromMs <= window.HeadStart)
            && (window.TailAtEnd ? LastStart == window.TailEndLastStart : toMs <= window.TailNext))
        {
            // Nothing left and nothing entered (the usual case between two passes a second apart).
            window.FromMs = fromMs;
            window.ToMs = toMs;
            return;
        }

        if (!window.Positioned || window.Generation / EmptiedGeneration != _generation / EmptiedGeneration || fromMs < window.FromMs || toMs < window.ToMs
            || (withBins && window.Bins is null) || (withExtremes && !window.HasExtremes)
            || FindBlock(window.Head.Block) is not (>= 0 and var headBlock)
            || FindBlock(window.Tail.Block) is not (>= 0 and var tailBlock))
        {
            Seek(window, fromMs, toMs, withBins, withExtremes);
            return;
        }

        window.Generation = _generation;

        // Leaving: covered buckets (head up to tail) that start before the new start.
        while (!SamePlace(window.Head, window.Tail) && Next(window.Head, headBlock, out var leaving, out var afterLeaving, out var leavingBlock))
        {
            if (leaving.Start >= fromMs)
            {
                window.HeadStart = leaving.Start;
                break;
            }

            window.Remove(leaving, this);
            window.Head = afterLeaving;
            headBlock = leavingBlock;
        }

        if (SamePlace(window.Head, window.Tail))
        {
            // Nothing covered: move both over the buckets before the new start.
            tailBlock = headBlock;
            while (Next(window.Tail, tailBlock, out var skipped, out var afterSkipped, out var skippedBlock) && skipped.Start < fromMs)
            {
                window.Head = window.Tail = afterSkipped;
                tailBlock = headBlock = skippedBlock;
            }
        }

        AddUntil(window, toMs, tailBlock);
        window.FromMs = fromMs;
        window.ToMs = toMs;
    }

    private void Seek(SeriesWindow window, long fromMs, long toMs, bool withBins, bool withExtremes)
    {
        window.Clear(withBins || window.Bins is not null, withExtremes || window.HasExtremes);
        window.Generation = _generation;
        window.FromMs = fromMs;
        window.ToMs = toMs;
        if (_blockCount == 0)
        {
            window.Positioned = false;
            return;
        }

        // The last block that starts at or before fromMs.
        var block = 0;
        for (int low = 0, high = _blockCount - 1; low <= high;)
        {
            var mid = (low + high) >>> 1;
            if (BlockStart(mid) <= fromMs)
            {
                block = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        var cursor = BlockCursor(block);
        while (Next(cursor, block, out var skipped, out var after, out var afterBlock) && skipped.Start < fromMs)
        {
            cursor = after;
            block = afterBlock;
        }

        window.Head = window.Tail = cursor;
        window.Positioned = true;
        AddUntil(window, toMs, block);
    }

    private void AddUntil(SeriesWindow window, long toMs, int tailBlock)
    {
        while (true)
        {
            if (!Next(window.Tail, tailBlock, out var entering, out var afterEntering, out var enteringBlock))
            {
                window.TailAtEnd = true;
                window.TailEndLastStart = LastStart;
                return;
            }

            if (entering.Start >= toMs)
            {
                window.TailAtEnd = false;
                window.TailNext = entering.Start;
                return;
            }

            window.Add(entering, this);
            window.Tail = afterEntering;
            tailBlock = enteringBlock;
        }
    }

    private static bool SamePlace(in Cursor a, in Cursor b) => a.Block == b.Block && a.Index == b.Index;

    /// <summary>The index of the block whose first bucket is <paramref name="firstBucket"/>, or −1 (dropped).</summary>
    private int FindBlock(int firstBucket)
    {
        for (int low = 0, high = _blockCount - 1; low <= high;)
        {
            var mid = (low + high) >>> 1;
            var first = _blocks[mid].FirstBucket;
            if (first == firstBucket)
            {
                return mid;
            }

            if (first < firstBucket)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return -1;
    }

    private Cursor BlockCursor(int block) => new() { Block = _blocks[block].FirstBucket, Start = BlockStart(block) - _bucketMs };

    /// <summary>
    /// Decodes the bucket after <paramref name="cursor"/> (whose block has index
    /// <paramref name="block"/>) without changing the cursor: false at the end of the log.
    /// <paramref name="after"/> is the place after that bucket, in block <paramref name="afterBlock"/>.
    /// </summary>
    private bool Next(in Cursor cursor, int block, out DecodedBucket bucket, out Cursor after, out int afterBlock)
    {
        after = cursor;
        afterBlock = block;
        var count = block == _blockCount - 1 ? _lastBlockCount : BlockSize;
        if (after.Index == count)
        {
            if (block + 1 >= _blockCount)
            {
                bucket = default;
                return false;
            }

            block++;
            afterBlock = block;
            after = BlockCursor(block);
        }

        ReadOnlySpan<byte> span = _bytes.AsSpan(_blocks[block].Offset);
        var at = after.Offset;
        var hasBins = DecodeOne(span, ref at, ref after.Start, ref after.Sum, ref after.Min, ref after.Max, ref after.Last, out var points, out var header);
        bucket = new DecodedBucket
        {
            Start = after.Start,
            Points = points,
            Sum = after.Sum,
            Min = after.Min,
            Max = after.Max,
            Last = after.Last,
            Integers = (header & CompactRecord) != 0 ? (header & CompactInteger) != 0 : (header & Integers) != 0,
            BinsBlock = hasBins ? block : -1,
            BinsOffset = at,
            SparseBins = (header & (CompactRecord | SparseBins)) == SparseBins,
        };
        if (hasBins)
        {
            SkipBins(span, ref at, bucket.SparseBins);
        }

        after.Offset = at;
        after.Index++;
        return true;
    }

    /// <summary>Adds (<paramref name="sign"/> 1) or subtracts (−1) the sketch bins of a decoded bucket of a timing series.</summary>
    internal void ApplyBins(in DecodedBucket bucket, WindowBins bins, int sign)
    {
        if (bucket.BinsBlock >= 0)
        {
            var at = bucket.BinsOffset;
            ReadBins(_bytes.AsSpan(_blocks[bucket.BinsBlock].Offset), ref at, SketchMapping.Code(BitConverter.UInt64BitsToDouble(bucket.Min)), bucket.SparseBins, bins, sign);
        }
        else if (bucket.Points == 1)
        {
            bins.Add(SketchMapping.Code(BitConverter.UInt64BitsToDouble(bucket.Last)), sign);
        }
    }

    /// <summary>The whole units of a decoded value written as units (exact), for sums that subtract exactly.</summary>
    internal long UnitsOf(ulong bits) => Units(bits);

    /// <summary>Decodes one bucket at <paramref name="at"/> onto the previous bucket's values; true when sketch bins follow.</summary>
    private bool DecodeOne(ReadOnlySpan<byte> span, ref int at, ref long start, ref ulong sum, ref ulong min, ref ulong max, ref ulong last, out long points, out byte header)
    {
        header = span[at++];
        points = 1;
        if ((header & CompactRecord) != 0)
        {
            start += _bucketMs;
            last = (header & CompactInteger) != 0
                ? FromUnits(Units(last) + UnZigZag(ReadVarint(span, ref at)))
                : ReadXor(span, ref at, last, header);
            sum = min = max = last;
            return false;
        }

        start += (header & StartIsNext) != 0 ? _bucketMs : (long)ReadVarint(span, ref at) * _bucketMs;
        var single = (header & SinglePoint) != 0;
        if (!single)
        {
            points = (long)ReadVarint(span, ref at);
        }

        if ((header & Integers) != 0)
        {
            if (!single)
            {
                sum = FromUnits(Units(sum) + UnZigZag(ReadVarint(span, ref at)));
                min = FromUnits(Units(min) + UnZigZag(ReadVarint(span, ref at)));
                max = FromUnits(Units(max) + UnZigZag(ReadVarint(span, ref at)));
            }

            last = FromUnits(Units(last) + UnZigZag(ReadVarint(span, ref at)));
        }
        else
        {
            if (!single)
            {
                sum = ReadXor(span, ref at, sum, span[at++]);
                min = ReadXor(span, ref at, min, span[at++]);
                max = ReadXor(span, ref at, max, span[at++]);
            }

            last = ReadXor(span, ref at, last, span[at++]);
        }

        if (single)
        {
            sum = min = max = last;
        }

        return (header & HasBins) != 0;
    }

    /// <summary>Whether a value is a whole number of units (rounded to units for timings), and that number.</summary>
    private bool TryUnits(double value, out long units)
    {
        var scaled = value * _scale;
        var rounded = Math.Round(scaled);
        if (Math.Abs(rounded) < MaxUnits && (_round || rounded == scaled) && !(value == 0 && double.IsNegative(value)))
        {
            units = (long)rounded;
            return true;
        }

        units = 0;
        return false;
    }

    private long Units(ulong bits)
    {
        var value = BitConverter.UInt64BitsToDouble(bits);
        return TryUnits(value, out var units) ? units : 0;
    }

    private ulong FromUnits(long units) => BitConverter.DoubleToUInt64Bits(units / _scale);

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private void StartBlock(long start)
    {
        if (_blockCount == _blocks.Length)
        {
            Array.Resize(ref _blocks, _blocks.Length + 4);
        }

        _blocks[_blockCount++] = new Block { FirstBucket = (int)(start / _bucketMs), Offset = _end };
        _lastBlockCount = 0;
        _previousStart = start - _bucketMs;
        _previousSum = _previousMin = _previousMax = _previousLast = 0;
    }

    private void EnsureCapacity(int needed)
    {
        if (_end + needed <= _bytes.Length)
        {
            return;
        }

        // Grow by an eighth: an hour of buckets arrives a few bytes at a time, so slack matters more than copies.
        var live = _end - _start;
        Compact(live + needed + (live / 8) + 32);
    }

    private void Compact(int capacity)
    {
        var live = _end - _start;
        var bytes = capacity == _bytes.Length ? _bytes : new byte[capacity];
        Array.Copy(_bytes, _start, bytes, 0, live);
        for (var i = 0; i < _blockCount; i++)
        {
            _blocks[i].Offset -= _start;
        }

        _bytes = bytes;
        _end = live;
        _start = 0;
    }

    /// <summary>
    /// Writes bins sorted by code, the first as the zigzag difference from the code of the
    /// bucket's minimum (usually 0), each next one as the gap from the previous code. Sparse:
    /// <c>gap × 2 + (count is 1)</c>, then the count if not 1 — one byte per bin for a few
    /// points spread out. Dense: <c>gap × 16 + count</c> for counts below 16, else
    /// <c>gap × 16</c> and the count — one byte per bin for many points close together.
    /// </summary>
    private static int WriteBins(Span<byte> span, uint[] sorted, int minCode, bool sparse)
    {
        var at = WriteVarint(span, (ulong)sorted.Length);
        var previous = minCode;
        for (var i = 0; i < sorted.Length; i++)
        {
            var code = SketchMapping.PackedCode(sorted[i]);
            var count = SketchMapping.PackedCount(sorted[i]);
            var gap = i == 0 ? ZigZag(code - minCode) : (ulong)(code - previous);
            previous = code;
            if (sparse)
            {
                at += WriteVarint(span[at..], (gap << 1) | (count == 1 ? 1UL : 0));
                if (count != 1)
                {
                    at += WriteVarint(span[at..], count);
                }
            }
            else
            {
                at += WriteVarint(span[at..], (gap << 4) | (count < 16 ? count : 0));
                if (count >= 16)
                {
                    at += WriteVarint(span[at..], count);
                }
            }
        }

        return at;
    }

    private static void ReadBins(ReadOnlySpan<byte> span, ref int at, int minCode, bool sparse, WindowAccumulator? accumulator)
    {
        var entries = (int)ReadVarint(span, ref at);
        var code = minCode;
        for (var i = 0; i < entries; i++)
        {
            var count = NextBin(span, ref at, sparse, i == 0, minCode, ref code);
            accumulator?.AddBin(code, (long)count);
        }
    }

    /// <summary>Reads one bin entry: moves <paramref name="code"/> to its code and returns its count.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong NextBin(ReadOnlySpan<byte> span, ref int at, bool sparse, bool first, int minCode, ref int code)
    {
        var v = ReadVarint(span, ref at);
        ulong gap;
        ulong count;
        if (sparse)
        {
            gap = v >> 1;
            count = (v & 1) != 0 ? 1 : ReadVarint(span, ref at);
        }
        else
        {
            gap = v >> 4;
            count = (v & 0xF) != 0 ? v & 0xF : ReadVarint(span, ref at);
        }

        code = first ? minCode + (int)UnZigZag(gap) : code + (int)gap;
        return count;
    }

    private static void SkipBins(ReadOnlySpan<byte> span, ref int at, bool sparse)
    {
        var entries = (int)ReadVarint(span, ref at);
        for (var i = 0; i < entries; i++)
        {
            var v = ReadVarint(span, ref at);
            if (sparse ? (v & 1) == 0 : (v & 0xF) == 0)
            {
                ReadVarint(span, ref at);
            }
        }
    }

    private static void ReadBins(ReadOnlySpan<byte> span, ref int at, int minCode, bool sparse, WindowBins bins, int sign)
    {
        var entries = (int)ReadVarint(span, ref at);
        var code = minCode;
        for (var i = 0; i < entries; i++)
        {
            var count = NextBin(span, ref at, sparse, i == 0, minCode, ref code);
            bins.Add(code, sign * (int)count);
        }
    }

    private static bool SparseIsSmaller(uint[] sorted)
    {
        // Sparse costs a byte more for every count above 1; dense a byte more for every gap of 8 or more.
        int extraSparse = 0, extraDense = 0, previous = SketchMapping.PackedCode(sorted[0]);
        for (var i = 0; i < sorted.Length; i++)
        {
            var code = SketchMapping.PackedCode(sorted[i]);
            extraSparse += SketchMapping.PackedCount(sorted[i]) == 1 ? 0 : 1;
            extraDense += code - previous >= 8 ? 1 : 0;
            previous = code;
        }

        return extraSparse < extraDense;
    }

    private static uint[] SortedByCode(uint[] bins)
    {
        for (var i = 1; i < bins.Length; i++)
        {
            if (bins[i] < bins[i - 1])
            {
                var sorted = (uint[])bins.Clone();
                Array.Sort(sorted); // the code is in the high bits, so this sorts by code
                return sorted;
            }
        }

        return bins;
    }

    /// <summary>Writes a header byte (with <paramref name="headerFlags"/>) and the changed bytes of <paramref name="bits"/> XOR <paramref name="previous"/>.</summary>
    private static int WriteXor(Span<byte> span, ulong bits, ulong previous, byte headerFlags)
    {
        var x = bits ^ previous;
        if (x == 0)
        {
            span[0] = (byte)(headerFlags | XorUnchanged);
            return 1;
        }

        var trailing = BitOperations.TrailingZeroCount(x) / 8;
        var length = 8 - (BitOperations.LeadingZeroCount(x) / 8) - trailing;
        span[0] = (byte)(headerFlags | (trailing << 3) | (length - 1));
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, x >> (trailing * 8));
        buffer[..length].CopyTo(span[1..]);
        return 1 + length;
    }

    /// <summary>Reads what <see cref="WriteXor"/> wrote after its header byte.</summary>
    private static ulong ReadXor(ReadOnlySpan<byte> span, ref int at, ulong previous, byte header)
    {
        if ((header & XorUnchanged) == XorUnchanged)
        {
            return previous;
        }

        var trailing = (header >> 3) & 7;
        var length = (header & 7) + 1;
        ulong x = 0;
        for (var i = length - 1; i >= 0; i--)
        {
            x = (x << 8) | span[at + i];
        }

        at += length;
        return previous ^ (x << (trailing * 8));
    }

    private static int WriteVarint(Span<byte> span, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }

    private long BlockStart(int block) => _blocks[block].FirstBucket * _bucketMs;

    /// <summary>
    /// A place between two encoded buckets and the decoder state to read on from it. Names its
    /// block by first bucket, not index or byte offset, so it survives blocks dropped before it
    /// and the bytes being moved.
    /// </summary>
    internal struct Cursor
    {
        public int Block;
        public int Offset;
        public int Index;
        public long Start;
        public ulong Sum;
        public ulong Min;
        public ulong Max;
        public ulong Last;
    }

    /// <summary>One decoded bucket: start, points, value bits, whether written as whole units, and where its bins are.</summary>
    internal struct DecodedBucket
    {
        public long Start;
        public long Points;
        public ulong Sum;
        public ulong Min;
        public ulong Max;
        public ulong Last;
        public bool Integers;
        public bool SparseBins;
        public int BinsBlock;
        public int BinsOffset;
    }

    /// <summary>Where a block starts: its first bucket (start ÷ bucket width) and byte offset.</summary>
    private struct Block
    {
        public int FirstBucket;
        public int Offset;
    }
}
