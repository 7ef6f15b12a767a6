namespace Vigil.Benchmarks;

/// <summary>
/// The naive way to answer quantiles over a window, as the seeds did: keep the raw values of
/// every 10 s bucket in a <see cref="List{T}"/>, then copy and sort the window's values per query.
/// Exact, but memory and query time grow with the number of points.
/// </summary>
internal sealed class NaiveSeries(long bucketMs)
{
    private readonly List<(long Start, List<double> Values)> _buckets = [];

    public void Record(double value, long timestampMs)
    {
        var start = timestampMs - (timestampMs % bucketMs);
        if (_buckets.Count == 0 || _buckets[^1].Start < start)
        {
            _buckets.Add((start, new List<double>()));
            _buckets[^1].Values.Add(value);
            return;
        }

        for (var i = _buckets.Count - 1; i >= 0; i--)
        {
            if (_buckets[i].Start == start)
            {
                _buckets[i].Values.Add(value);
                return;
            }

            if (_buckets[i].Start < start)
            {
                _buckets.Insert(i + 1, (start, [value]));
                return;
            }
        }

        _buckets.Insert(0, (start, [value]));
    }

    /// <summary>The exact quantile of the values in buckets starting in [from, to), or null.</summary>
    public double? Quantile(long fromMs, long toMs, double q)
    {
        var count = 0;
        foreach (var (start, values) in _buckets)
        {
            if (start >= fromMs && start < toMs)
            {
                count += values.Count;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var window = new double[count];
        var next = 0;
        foreach (var (start, values) in _buckets)
        {
            if (start >= fromMs && start < toMs)
            {
                values.CopyTo(window, next);
                next += values.Count;
            }
        }

        Array.Sort(window);
        return window[(long)(q * (count - 1))];
    }

    public void Prune(long horizonMs)
    {
        var drop = 0;
        while (drop < _buckets.Count && _buckets[drop].Start < horizonMs)
        {
            drop++;
        }

        _buckets.RemoveRange(0, drop);
    }
}
