using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>
/// A window kept from read to read (<see cref="SeriesWindow"/>) must merge exactly what decoding
/// the window afresh merges, whatever happened to the series in between: new points, late points,
/// pruned blocks, an emptied log, a window that moved back.
/// </summary>
public sealed class SeriesWindowTests
{
    private const long Second = 1_000;
    private const long Minute = 60_000;

    public static TheoryData<MetricType, bool, int> Cases => new()
    {
        { MetricType.Timing, true, 1 },
        { MetricType.Timing, false, 2 },
        { MetricType.Timing, true, 3 },
        { MetricType.Gauge, false, 4 },
        { MetricType.Counter, false, 5 },
        { MetricType.Gauge, false, 6 }, // values with fractions below: sums fall back to decoding
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AggregateInto_WindowsMovingForwardWithIngest_MatchDecodingTheWindow(MetricType type, bool needsBins, int seed)
    {
        // Arrange: windows of 30 s, 5 and 15 minutes up to now, and the 15 minutes before the last.
        var random = new Random(seed);
        var series = SampleData.NewSeries(type, labels: SampleData.Labels(("status", seed % 2 == 0 ? "500" : "200")));
        var windows = new (long FromAgo, long ToAgo, SeriesWindow Window)[]
        {
            (30 * Second, -1, new SeriesWindow()),
            (5 * Minute, -1, new SeriesWindow()),
            (15 * Minute, -1, new SeriesWindow()),
            (30 * Minute, 15 * Minute, new SeriesWindow()),
        };
        var now = 1_800_000_000_000L;
        var kept = new WindowAccumulator();
        var fresh = new WindowAccumulator();

        for (var step = 0; step < 600; step++)
        {
            // Act: time moves on by up to 25 s with points (some late, some very late), now and then a prune.
            var advance = random.Next(0, 25_000);
            var points = random.Next(0, 40);
            for (var i = 0; i < points; i++)
            {
                var ts = now + random.Next(0, advance + 1);
                var roll = random.NextDouble();
                if (roll < 0.1)
                {
                    ts -= random.Next(0, 40_000);
                }
                else if (roll < 0.13)
                {
                    ts -= random.Next(0, 20 * (int)Minute);
                }

                series.Record(Value(type, seed, random), ts);
            }

            now += advance;
            if (step % 50 == 49)
            {
                series.TakeDirtyRollups(now - Minute);
                series.Prune(now - (20 * Minute));
            }

            // Assert
            foreach (var (fromAgo, toAgo, window) in windows)
            {
                var (from, to) = (now - fromAgo, now - toAgo);
                kept.Reset();
                fresh.Reset();
                series.AggregateInto(kept, from, to, window, needsBins, needsExtremes: true);
                series.AggregateInto(fresh, from, to);
                AssertSame(fresh, kept, needsBins && type == MetricType.Timing);
            }
        }
    }

    [Fact]
    public void AggregateInto_LogEmptiedThenRefilled_StartsOver()
    {
        // Arrange: ten minutes of points read through a window, then all of it pruned.
        var series = SampleData.NewSeries(MetricType.Timing);
        var window = new SeriesWindow();
        var accumulator = new WindowAccumulator();
        for (var ts = 0L; ts < 10 * Minute; ts += Second)
        {
            series.Record(ts % 7_000, ts);
        }

        series.AggregateInto(accumulator, 0, 10 * Minute, window, needsBins: true, needsExtremes: true);
        series.TakeDirtyRollups(long.MaxValue);
        series.Prune(20 * Minute);

        // Act: points again, in buckets the dropped blocks also started with.
        for (var ts = 0L; ts < 3 * Minute; ts += 10 * Second)
        {
            series.Record(5, ts);
        }

        series.Record(5, 10 * Minute); // closes the buckets above
        accumulator.Reset();
        series.AggregateInto(accumulator, 0, 10 * Minute, window, needsBins: true, needsExtremes: true);

        // Assert
        var fresh = new WindowAccumulator();
        series.AggregateInto(fresh, 0, 10 * Minute);
        Assert.Equal(18, fresh.Count);
        AssertSame(fresh, accumulator, withBins: true);
    }

    [Fact]
    public void AggregateInto_WindowMovedBack_MergesTheEarlierWindow()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Gauge, "queue_depth");
        for (var ts = 0L; ts < 30 * Minute; ts += 10 * Second)
        {
            series.Record(ts / 10_000, ts);
        }

        var window = new SeriesWindow();
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 20 * Minute, 25 * Minute, window, needsBins: false, needsExtremes: true);

        // Act
        accumulator.Reset();
        series.AggregateInto(accumulator, 5 * Minute, 10 * Minute, window, needsBins: false, needsExtremes: true);

        // Assert: buckets 30..59.
        Assert.Equal(30, accumulator.Count);
        Assert.Equal(30, accumulator.Min);
        Assert.Equal(59, accumulator.Max);
        Assert.Equal(Enumerable.Range(30, 30).Sum(), accumulator.Sum);
    }

    private static double Value(MetricType type, int seed, Random random) => type switch
    {
        MetricType.Timing => Math.Round(Math.Exp(random.NextDouble() * 8), random.Next(0, 4)),
        MetricType.Gauge when seed == 6 => random.Next(-50, 50) * 0.1,
        MetricType.Gauge => random.Next(-50, 500),
        _ => random.Next(0, 4),
    };

    private static void AssertSame(WindowAccumulator expected, WindowAccumulator actual, bool withBins)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.ErrorCount, actual.ErrorCount);
        if (expected.Count == 0)
        {
            return;
        }

        // Sums are added in another order (whole units first), so they may differ in the last bits.
        Assert.Equal(expected.Sum, actual.Sum, Math.Max(1e-9, Math.Abs(expected.Sum) * 1e-12));
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.Last, actual.Last);
        Assert.Equal(expected.LastTimestampMs, actual.LastTimestampMs);
        if (withBins)
        {
            foreach (var q in new[] { 0, 0.1, 0.5, 0.9, 0.95, 0.99, 1 })
            {
                Assert.Equal(expected.Quantile(q), actual.Quantile(q));
            }
        }
    }
}
