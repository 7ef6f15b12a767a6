namespace Vigil.Core.Metrics;

/// <summary>All series of one metric name. Series are only ever added; reads take a snapshot.</summary>
public sealed class MetricFamily
{
    private readonly Lock _lock = new();

    // Readers take the snapshot as one reference: slots below its count never change for its
    // array, because removal always builds a new array.
    private Snapshot _snapshot = new(new MetricSeries[4], 0);

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
            var snapshot = Volatile.Read(ref _snapshot);
            return new ArraySegment<MetricSeries>(snapshot.Items, 0, snapshot.Count);
        }
    }

    internal void Add(MetricSeries series)
    {
        lock (_lock)
        {
            var (items, count) = _snapshot;
            if (count == items.Length)
            {
                var grown = new MetricSeries[items.Length * 2];
                Array.Copy(items, grown, count);
                items = grown;
            }

            items[count] = series;
            Volatile.Write(ref _snapshot, new Snapshot(items, count + 1));
        }
    }

    internal void Remove(MetricSeries series)
    {
        lock (_lock)
        {
            var (items, count) = _snapshot;
            var index = Array.IndexOf(items, series, 0, count);
            if (index < 0)
            {
                return;
            }

            var kept = new MetricSeries[Math.Max(4, items.Length)];
            Array.Copy(items, kept, index);
            Array.Copy(items, index + 1, kept, index, count - index - 1);
            Volatile.Write(ref _snapshot, new Snapshot(kept, count - 1));
        }
    }

    private sealed record Snapshot(MetricSeries[] Items, int Count);
}
