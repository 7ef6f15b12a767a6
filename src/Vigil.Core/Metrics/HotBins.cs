namespace Vigil.Core.Metrics;

/// <summary>
/// The bins of the bucket a series is currently filling: a dense array over the range of bin
/// codes seen so far, so recording a value is one increment. Reused from bucket to bucket;
/// <see cref="Freeze"/> packs it for the bucket's lifetime in the ring.
/// </summary>
internal sealed class HotBins
{
    private int[] _counts = [];
    private int _offset;
    private int _minCode = int.MaxValue;
    private int _maxCode = -1;

    public bool IsEmpty => _maxCode < 0;

    /// <summary>Bytes this instance holds, for memory accounting.</summary>
    public int RetainedBytes => 24 + 32 + (_counts.Length * sizeof(int));

    public void Add(int code) => Add(code, 1);

    /// <summary>Adds <paramref name="count"/> values of one bin code.</summary>
    public void Add(int code, int count)
    {
        var slot = code - _offset;
        if ((uint)slot >= (uint)_counts.Length)
        {
            Grow(code);
            slot = code - _offset;
        }

        _counts[slot] += count;
        if (code < _minCode)
        {
            _minCode = code;
        }

        if (code > _maxCode)
        {
            _maxCode = code;
        }
    }

    /// <summary>Adds the counts to a merge accumulator without changing this instance.</summary>
    public void AddTo(WindowAccumulator accumulator)
    {
        if (!IsEmpty)
        {
            accumulator.AddBins(_counts.AsSpan(_minCode - _offset, _maxCode - _minCode + 1), _minCode);
        }
    }

    /// <summary>Returns the bins packed (see <see cref="SketchMapping.Pack"/>) and clears them.</summary>
    public uint[] Freeze()
    {
        if (IsEmpty)
        {
            return [];
        }

        var entries = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            var count = (uint)_counts[code - _offset];
            entries += (int)((count + SketchMapping.MaxPackedCount - 1) / SketchMapping.MaxPackedCount);
        }

        var packed = new uint[entries];
        var next = 0;
        for (var code = _minCode; code <= _maxCode; code++)
        {
            var count = (uint)_counts[code - _offset];
            _counts[code - _offset] = 0;
            while (count > 0)
            {
                var part = Math.Min(count, SketchMapping.MaxPackedCount);
                packed[next++] = SketchMapping.Pack(code, part);
                count -= part;
            }
        }

        _minCode = int.MaxValue;
        _maxCode = -1;
        return packed;
    }

    private void Grow(int code)
    {
        var low = Math.Min(code, IsEmpty ? code : _minCode);
        var high = Math.Max(code, IsEmpty ? code : _maxCode);
        var length = Math.Max(64, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(high - low + 1 + 32)));
        var offset = Math.Clamp(low - ((length - (high - low + 1)) / 2), 0, Math.Max(0, SketchMapping.CodeCount - length));
        var counts = new int[length];
        if (!IsEmpty)
        {
            Array.Copy(_counts, _minCode - _offset, counts, _minCode - offset, _maxCode - _minCode + 1);
        }

        _counts = counts;
        _offset = offset;
    }
}
