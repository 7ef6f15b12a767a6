using System.Globalization;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- accuracy</c>: records 1 000 000 points of each distribution into a timing series
/// (1 ms apart, so 100 buckets), merges them, and compares the sketch's quantiles with the
/// exact ones (same rank convention), then reports the sizes of the sketch's forms.
/// </summary>
internal static class AccuracyReport
{
    private const int Points = 1_000_000;
    private static readonly double[] Quantiles = [0.50, 0.90, 0.95, 0.99];

    public static void Run(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        var sizes = new List<string>();
        output.WriteLine($"Sketch relative accuracy α = {SketchMapping.RelativeAccuracy:P0}; {Points:N0} points per distribution, seed 42; rank = ⌈q × n⌉ (nearest rank).");
        output.WriteLine();
        output.WriteLine("| distribution | p50 exact | p50 sketch | p90 exact | p90 sketch | p95 exact | p95 sketch | p99 exact | p99 sketch | worst rel. error |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var distribution in SampleValues.All)
        {
            var values = SampleValues.Generate(distribution, Points, seed: 42);
            var series = new MetricSeries("latency_ms", LabelSet.Empty, MetricType.Timing, MetricsOptions.BucketSize);
            for (var i = 0; i < values.Length; i++)
            {
                series.Record(values[i], i);
            }

            var accumulator = new WindowAccumulator();
            series.AggregateInto(accumulator, 0, long.MaxValue);
            Array.Sort(values);

            var cells = new List<string>();
            var worst = 0.0;
            foreach (var q in Quantiles)
            {
                var exact = SampleValues.ExactQuantile(values, q);
                var sketch = accumulator.Quantile(q)!.Value;
                worst = Math.Max(worst, Math.Abs(sketch - exact) / exact);
                cells.Add(exact.ToString("F3", culture));
                cells.Add(sketch.ToString("F3", culture));
            }

            output.WriteLine($"| {distribution} | {string.Join(" | ", cells)} | {worst.ToString("P3", culture)} |");

            // Minute 0 holds the first 60 000 points.
            var rollup = series.TakeDirtyRollups(60_000)[0];
            var allPacked = accumulator.PackBins();
            sizes.Add($"| {distribution} | {rollup.Bins!.Length} | {rollup.Bins.Length * sizeof(uint):N0} | {allPacked.Length} | {allPacked.Length * sizeof(uint):N0} | {60_000 * sizeof(double):N0} |");
        }

        output.WriteLine();
        output.WriteLine($"Sketch sizes. A packed entry is 4 bytes (12-bit bin code, 20-bit count). The query-time {nameof(WindowAccumulator)} is dense: {SketchMapping.CodeCount:N0} bins × 8 bytes = {SketchMapping.CodeCount * sizeof(long):N0} bytes, whatever the data (one per thread, reused).");
        output.WriteLine();
        output.WriteLine("| distribution | 1-min rollup entries (60 000 pts) | 1-min rollup bytes | entries for all 1 000 000 pts | bytes for all | raw doubles, 1 min |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in sizes)
        {
            output.WriteLine(row);
        }
    }
}
