using System.Globalization;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- memory</c>: fills a <see cref="MetricStore"/> with 2 000 timing series at 1 point/s
/// (log-normal values) and then 2 000 gauge series at 1 point/10 s, one hour each with explicit
/// timestamps, flushing rollups every minute as the server does, and reports the managed heap
/// growth per series (GC.GetTotalMemory(true) before/after) beside MetricSeries.RetainedBytes.
/// </summary>
internal static class MemoryReport
{
    private const int SeriesPerKind = 2_000;
    private const int Seconds = 3_600;
    private const int TimingTargetBytes = 16 * 1024;
    private const int GaugeTargetBytes = 2 * 1024;

    public static void Run(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        var store = new MetricStore(new MetricsOptions { MaxSeries = 10_000 }, clock);
        var random = new Random(3);

        // The flush uses a per-thread accumulator (32 KB); allocate it before measuring.
        var warm = new MetricSeries("warm", LabelSet.Empty, MetricType.Timing, MetricsOptions.BucketSize);
        warm.Record(1, 0);
        warm.TakeDirtyRollups(long.MaxValue);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var timings = CreateSeries(store, "http_request_ms", MetricType.Timing);
        Feed(clock, start, timings, everySeconds: 1, series => SampleValues.Next(SampleValues.LogNormal, random));
        var afterTimings = GC.GetTotalMemory(forceFullCollection: true);

        var gauges = CreateSeries(store, "queue_depth", MetricType.Gauge);
        Feed(clock, start, gauges, everySeconds: 10, series => random.Next(0, 500));
        var afterGauges = GC.GetTotalMemory(forceFullCollection: true);

        var timingHeap = (afterTimings - before) / (double)SeriesPerKind;
        var gaugeHeap = (afterGauges - afterTimings) / (double)SeriesPerKind;
        var timingRetained = timings.Average(s => s.RetainedBytes);
        var gaugeRetained = gauges.Average(s => s.RetainedBytes);
        var timingBuckets = CountBuckets(timings[0]);
        var gaugeBuckets = CountBuckets(gauges[0]);

        output.WriteLine($"{SeriesPerKind:N0} series of each kind, {Seconds / 60} minutes of points with explicit timestamps, rollups flushed every minute; .NET {Environment.Version}, 64-bit: {Environment.Is64BitProcess}.");
        output.WriteLine();
        output.WriteLine("| series kind | points/series | buckets held | heap growth per series (GC) | RetainedBytes per series | target | meets target |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|:---:|");
        output.WriteLine(Row("timing, 1 pt/s, log-normal", Seconds, timingBuckets, timingHeap, timingRetained, TimingTargetBytes));
        output.WriteLine(Row("gauge, 1 pt/10 s", Seconds / 10, gaugeBuckets, gaugeHeap, gaugeRetained, GaugeTargetBytes));
        output.WriteLine();
        output.WriteLine($"Total heap growth: {(afterGauges - before) / 1024.0 / 1024.0:F1} MiB for {store.SeriesCount:N0} series, {SeriesPerKind * (Seconds + (Seconds / 10)):N0} points.");
        output.WriteLine();
        GC.KeepAlive(store);

        string Row(string kind, int points, int buckets, double heap, double retained, int target) =>
            $"| {kind} | {points:N0} | {buckets} | {heap.ToString("N0", culture)} B | {retained.ToString("N0", culture)} B | {target:N0} B | {(heap <= target ? "yes" : "no")} |";
    }

    private static MetricSeries[] CreateSeries(MetricStore store, string name, MetricType type)
    {
        var series = new MetricSeries[SeriesPerKind];
        for (var i = 0; i < series.Length; i++)
        {
            var labels = LabelSet.From([new("instance", $"host-{i / 20:D3}"), new("route", $"/api/v1/resource{i % 20}")]);
            series[i] = store.GetOrCreate(name, labels, type) ?? throw new InvalidOperationException("series refused");
        }

        return series;
    }

    private static void Feed(ManualClock clock, DateTimeOffset start, MetricSeries[] series, int everySeconds, Func<int, double> value)
    {
        var startMs = start.ToUnixTimeMilliseconds();
        for (var second = 0; second < Seconds; second++)
        {
            if (second % everySeconds == 0)
            {
                for (var i = 0; i < series.Length; i++)
                {
                    // Spread the series' points over the second, as independent clients would.
                    series[i].Record(value(i), startMs + (second * 1_000L) + (i % 1_000));
                }
            }

            if (second % 60 == 59)
            {
                clock.Now = start.AddSeconds(second + 1);
                var closedBefore = clock.Now.ToUnixTimeMilliseconds();
                foreach (var s in series)
                {
                    s.TakeDirtyRollups(closedBefore);
                }
            }
        }
    }

    private static int CountBuckets(MetricSeries series)
    {
        var accumulator = new WindowAccumulator();
        var oldest = series.OldestBucketStart ?? 0;
        var buckets = 0;
        for (var from = oldest; ; from += 10_000)
        {
            accumulator.Reset();
            series.AggregateInto(accumulator, from, from + 10_000);
            if (accumulator.Count == 0)
            {
                return buckets;
            }

            buckets++;
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
