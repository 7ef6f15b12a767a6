namespace Vigil.Core.Metrics;

/// <summary>Sketch bin counts that can go down as well as up: a dense array over the codes seen.</summary>
internal sealed class WindowBins
{
    private int[] _counts = [];
    private int _offset;
    private int _minCode = int.MaxValue;
    private int _maxCode = -1;

    public void Clear()
    {
        if (_maxCode >= 0)
        {
            Array.Clear(_counts, _minCode - _offset, _maxCode - _minCode + 1);
        }

        _minCode = int.MaxValue;
        _maxCode = -1;
    }

    public void Add(int code, int delta)
    {
        var slot = code - _offset;
        if ((uint)slot >= (uint)_counts.Length)
        {
            Grow(code);
            slot = code - _offset;
        }

        _counts[slot] += delta;
        if (code < _minCode)
        {
            _minCode = code;
        }

        if (code > _maxCode)
        {
            _maxCode = code;
        }
    }

    public void AddTo(WindowAccumulator accumulator)
    {
        if (_maxCode >= 0)
        {
            accumulator.AddBins(_counts.AsSpan(_minCode - _offset, _maxCode - _minCode + 1), _minCode);
        }
    }

    private void Grow(int code)
    {
        var empty = _maxCode < 0;
        var low = empty ? code : Math.Min(code, _minCode);
        var high = empty ? code : Math.Max(code, _maxCode);
        // Room for a few more codes at each end: a window's range moves slowly.
        var length = Math.Min(SketchMapping.CodeCount, high - low + 1 + 24);
        var offset = Math.Clamp(low - ((length - (high - low + 1)) / 2), 0, Math.Max(0, SketchMapping.CodeCount - length));
        var counts = new int[length];
        if (!empty)
        {
            Array.Copy(_counts, _minCode - _offset, counts, _minCode - offset, _maxCode - _minCode + 1);
        }

        _counts = counts;
        _offset = offset;
    }
}
