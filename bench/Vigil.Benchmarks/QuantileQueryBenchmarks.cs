using BenchmarkDotNet.Attributes;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// p95 over the last 15 minutes (90 buckets) of a timing series holding an hour of log-normal
/// points: merging the buckets' sketch bins against copying and sorting the raw values.
/// </summary>
[MemoryDiagnoser]
public class QuantileQueryBenchmarks
{
    private const long HourMs = 3_600_000;
    private const long WindowMs = 15 * 60_000;

    private MetricSeries _series = null!;
    private NaiveSeries _naive = null!;
    private long _fromMs;
    private long _toMs;

    /// <summary>Points per second in the series: 1 (900 points in the window) or 100 (90 000).</summary>
    [Params(1, 100)]
    public int PointsPerSecond { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        _series = new MetricSeries("latency_ms", LabelSet.Empty, MetricType.Timing, MetricsOptions.BucketSize);
        _naive = new NaiveSeries((long)MetricsOptions.BucketSize.TotalMilliseconds);
        var random = new Random(2);
        var step = 1_000 / PointsPerSecond;
        for (var ts = start; ts < start + HourMs; ts += step)
        {
            var value = SampleValues.Next(SampleValues.LogNormal, random);
            _series.Record(value, ts);
            _naive.Record(value, ts);
        }

        _toMs = start + HourMs;
        _fromMs = _toMs - WindowMs;
    }

    [Benchmark(Baseline = true, Description = "naive copy + sort raw values")]
    public double? NaiveSort() => _naive.Quantile(_fromMs, _toMs, 0.95);

    private readonly WindowAccumulator _accumulator = new();

    [Benchmark(Description = "merge 90 buckets' sketch bins")]
    public double? SketchMerge()
    {
        var accumulator = _accumulator;
        accumulator.Reset();
        _series.AggregateInto(accumulator, _fromMs, _toMs);
        return accumulator.Quantile(0.95);
    }
}
