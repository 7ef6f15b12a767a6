namespace Vigil.Core.Metrics;

/// <summary>All series of one metric name. Series are only ever added; reads take a snapshot.</summary>
public sealed class MetricFamily
{
    private readonly Lock _lock = new();
    private MetricSeries[] _series = new MetricSeries[4];
    private int _count;

    internal MetricFamily(string name, MetricType type)
    {
        Name = name;
        Type = type;
    }

    /// <summary>The metric name.</summary>
    public string Name { get; }

    /// <summary>The type every series of this name has.</summary>
    public MetricType Type { get; }

    /// <summary>The series of this name at the time of the call.</summary>
    public ArraySegment<MetricSeries> Series
    {
        get
        {
            // Read the count first: slots below it are written before the count is published.
            var count = Volatile.Read(ref _count);
            return new ArraySegment<MetricSeries>(Volatile.Read(ref _series), 0, count);
        }
    }

    internal void Add(MetricSeries series)
    {
        lock (_lock)
        {
            if (_count == _series.Length)
            {
                var grown = new MetricSeries[_series.Length * 2];
                Array.Copy(_series, grown, _count);
                Volatile.Write(ref _series, grown);
            }

            _series[_count] = series;
            Volatile.Write(ref _count, _count + 1);
        }
    }
}
