using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>
/// The compact encoding of closed buckets, checked against a plain list of the points: any
/// mix of in-order, late and very late points must aggregate exactly as the raw points do.
/// </summary>
public sealed class BucketLogTests
{
    private const long BucketMs = 10_000;

    public static TheoryData<MetricType, int> Cases => new()
    {
        { MetricType.Timing, 1 },
        { MetricType.Timing, 2 },
        { MetricType.Gauge, 3 },
        { MetricType.Counter, 4 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void AggregateInto_RandomLatePoints_MatchesTheRawPoints(MetricType type, int seed)
    {
        // Arrange: an hour of points, one in five late (up to 5 minutes), some buckets empty.
        var random = new Random(seed);
        var series = new MetricSeries("s", LabelSet.Empty, type, TimeSpan.FromMilliseconds(BucketMs));
        var points = new List<(long Ts, double Value)>();
        var now = 1_800_000_000_000L;
        for (var i = 0; i < 20_000; i++)
        {
            now += random.Next(0, 400);
            var ts = random.NextDouble() < 0.2 ? now - random.Next(0, 300_000) : now;
            var value = type switch
            {
                MetricType.Timing => Math.Round(Math.Exp(random.NextDouble() * 8), random.Next(0, 4)),
                MetricType.Gauge => random.Next(-50, 50) * 0.5,
                _ => random.Next(1, 4),
            };
            series.Record(value, ts);
            points.Add((ts, value));
        }

        // Act + Assert: random windows aligned to buckets.
        var accumulator = new WindowAccumulator();
        var first = points.Min(p => p.Ts);
        for (var w = 0; w < 200; w++)
        {
            var from = first + (random.Next(0, 400) * BucketMs) - (first % BucketMs);
            var to = from + (random.Next(1, 120) * BucketMs);
            var expected = points.Where(p => p.Ts >= from && p.Ts < to).Select(p => p.Value).ToArray();
            accumulator.Reset();
            series.AggregateInto(accumulator, from, to);

            Assert.Equal(expected.Length, accumulator.Count);
            if (expected.Length == 0)
            {
                continue;
            }

            Assert.Equal(expected.Sum(), accumulator.Sum, 6);
            Assert.Equal(expected.Min(), accumulator.Min);
            Assert.Equal(expected.Max(), accumulator.Max);
            if (type == MetricType.Timing)
            {
                var sorted = expected.Order().ToArray();
                foreach (var q in new[] { 0.5, 0.95, 0.99 })
                {
                    var exact = SampleData.ExactQuantile(sorted, q);
                    var estimate = accumulator.Quantile(q)!.Value;
                    Assert.True(Math.Abs(estimate - exact) <= (0.01 * exact) + 1e-9, $"q{q}: exact {exact}, sketch {estimate}");
                }
            }
        }
    }

    [Fact]
    public void AggregateInto_InOrderGauge_LastIsTheNewestValue()
    {
        var series = new MetricSeries("g", LabelSet.Empty, MetricType.Gauge, TimeSpan.FromMilliseconds(BucketMs));
        for (var i = 0; i < 100; i++)
        {
            series.Record(i * 1.5, i * BucketMs);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, 50 * BucketMs);

        Assert.Equal(49 * 1.5, accumulator.Last);
        Assert.Equal(50, accumulator.Count);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.MaxValue)]
    [InlineData(double.Epsilon)]
    [InlineData(-123456.789)]
    [InlineData(1e-300)]
    public void Append_ExtremeValues_DecodeExactly(double value)
    {
        var log = new BucketLog(BucketMs, isTiming: false);
        log.Append(0, 1, 1, 1, 1, 1, null);
        log.Append(BucketMs, 3, value, value, value, value, null);
        log.Append(50 * BucketMs, 1, value, value, value, value, null);

        var accumulator = new WindowAccumulator();
        log.DecodeInto(accumulator, BucketMs, long.MaxValue, isError: false, isTiming: false);

        Assert.Equal(4, accumulator.Count);
        Assert.Equal(value, accumulator.Max);
        Assert.Equal(value, accumulator.Min);
        Assert.Equal(value, accumulator.Last);
    }

    [Fact]
    public void DropBefore_WholeBlocks_KeepsEverythingFromTheHorizon()
    {
        var log = new BucketLog(BucketMs, isTiming: false);
        for (var i = 0; i < 100; i++)
        {
            log.Append(i * BucketMs, 1, i, i, i, i, null);
        }

        log.DropBefore(40 * BucketMs);

        var accumulator = new WindowAccumulator();
        log.DecodeInto(accumulator, 40 * BucketMs, long.MaxValue, isError: false, isTiming: false);
        Assert.Equal(60, accumulator.Count);
        Assert.InRange(log.FirstStart, 24 * BucketMs, 40 * BucketMs);

        log.DropBefore(long.MaxValue);
        Assert.True(log.IsEmpty);
    }

    [Fact]
    public void RetainedBytes_HourOfGaugePoints_FarBelowPlainBuckets()
    {
        // One point every 10 s for an hour, a slowly moving integer gauge.
        var series = new MetricSeries("g", LabelSet.Empty, MetricType.Gauge, TimeSpan.FromMilliseconds(BucketMs));
        var random = new Random(5);
        var value = 100.0;
        for (var i = 0; i < 360; i++)
        {
            value += random.Next(-3, 4);
            series.Record(value, i * BucketMs);
        }

        // 360 plain 56-byte buckets would be 20 KB.
        Assert.InRange(series.RetainedBytes, 1, 4_096);
    }
}
