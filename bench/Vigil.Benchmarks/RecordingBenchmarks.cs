using BenchmarkDotNet.Attributes;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// One thread recording timing points with advancing timestamps, so buckets roll over (their hot
/// bins are packed) as in production. Numbers are per point (<c>OperationsPerInvoke</c>). Once
/// per simulated hour the series is flushed and pruned as the server does, so memory stays
/// bounded; that work is included, amortised over the hour's points.
/// </summary>
[MemoryDiagnoser]
public class RecordingBenchmarks
{
    private const int PointsPerInvoke = 36_000;
    private const int BatchSize = 1_000;
    private const int BatchSeries = 10;
    private const long HourMs = 3_600_000;
    private const long BucketMs = 10_000;
    private const int ValueCount = 1 << 16;

    private double[] _values = [];
    private MetricSeries _series = null!;
    private NaiveSeries _naive = null!;
    private MetricStore _store = null!;
    private MetricPoint[] _batch = [];
    private long _stepMs;
    private long _seriesTs;
    private long _seriesMaintenance;
    private long _naiveTs;
    private long _naiveMaintenance;
    private long _batchTs;
    private long _batchMaintenance;
    private int _valueIndex;

    /// <summary>Points per 10 s bucket: a busy series (1 000/s) or a quieter one (10/s).</summary>
    [Params(10_000, 100)]
    public int PointsPerBucket { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _values = SampleValues.Generate(SampleValues.LogNormal, ValueCount, seed: 1);
        _stepMs = BucketMs / PointsPerBucket;
        var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        _seriesTs = _naiveTs = _batchTs = start;
        _seriesMaintenance = _naiveMaintenance = _batchMaintenance = start + HourMs;

        _series = NewTimingSeries("latency_ms", LabelSet.Empty);
        _naive = new NaiveSeries(BucketMs);

        _store = new MetricStore(new MetricsOptions(), TimeProvider.System);
        _batch = new MetricPoint[BatchSize];
        for (var i = 0; i < _batch.Length; i++)
        {
            var labels = LabelSet.From([new("route", $"/api/{i % BatchSeries}")]);
            _batch[i] = new MetricPoint("http_request_ms", MetricType.Timing, _values[i], labels, start);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PointsPerInvoke, Description = "naive List<double> per bucket")]
    public void NaiveListPerBucket()
    {
        var ts = _naiveTs;
        for (var i = 0; i < PointsPerInvoke; i++)
        {
            _naive.Record(NextValue(), ts);
            ts += _stepMs;
        }

        if (ts >= _naiveMaintenance)
        {
            _naive.Prune(ts - HourMs);
            _naiveMaintenance = ts + HourMs;
        }

        _naiveTs = ts;
    }

    [Benchmark(OperationsPerInvoke = PointsPerInvoke, Description = "MetricSeries.Record")]
    public void SeriesRecord()
    {
        var series = _series;
        var ts = _seriesTs;
        for (var i = 0; i < PointsPerInvoke; i++)
        {
            series.Record(NextValue(), ts);
            ts += _stepMs;
        }

        if (ts >= _seriesMaintenance)
        {
            series.TakeDirtyRollups(ts - (ts % 60_000));
            series.Prune(ts - HourMs);
            _seriesMaintenance = ts + HourMs;
        }

        _seriesTs = ts;
    }

    /// <summary>One batch of 1 000 points over 10 series (100 each), as an ingest request brings them.</summary>
    [Benchmark(OperationsPerInvoke = BatchSize, Description = "MetricStore.Ingest (1000 pts, 10 series)")]
    public IngestOutcome StoreIngest()
    {
        // Each series advances by the same step as the single-series benchmarks.
        var batch = _batch;
        var ts = _batchTs;
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = batch[i] with { Value = NextValue(), TimestampMs = ts + ((i / BatchSeries) * _stepMs) };
        }

        var outcome = _store.Ingest(batch);
        ts += BatchSize / BatchSeries * _stepMs;
        if (ts >= _batchMaintenance)
        {
            foreach (var series in _store.AllSeries)
            {
                series.TakeDirtyRollups(ts - (ts % 60_000));
                series.Prune(ts - HourMs);
            }

            _batchMaintenance = ts + HourMs;
        }

        _batchTs = ts;
        return outcome;
    }

    private static MetricSeries NewTimingSeries(string name, LabelSet labels) =>
        new(name, labels, MetricType.Timing, MetricsOptions.BucketSize);

    private double NextValue() => _values[_valueIndex++ & (ValueCount - 1)];
}
