using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class WindowAccumulatorTests
{
    private const double Tolerance = SketchMapping.RelativeAccuracy * (1 + 1e-9);
    private static readonly TimeSpan TwoMinutes = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(SampleData.Uniform)]
    [InlineData(SampleData.LogNormal)]
    [InlineData(SampleData.Bimodal)]
    public void Quantile_200kPointsOverManyBuckets_WithinOnePercentOfExact(string distribution)
    {
        // Arrange: 10 ms apart, so the points roll over 200 buckets (hot bins, then packed bins).
        var values = SampleData.Generate(distribution, 200_000, seed: 42);
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            series.Record(values[i], i * 10L);
        }

        var sorted = values.Order().ToArray();
        var accumulator = new WindowAccumulator();

        // Act
        series.AggregateInto(accumulator, 0, long.MaxValue);

        // Assert
        Assert.Equal(values.Length, accumulator.Count);
        foreach (var aggregation in new[] { Aggregation.P50, Aggregation.P90, Aggregation.P95, Aggregation.P99 })
        {
            var exact = SampleData.ExactQuantile(sorted, aggregation.Quantile()!.Value);
            var estimate = accumulator.Value(aggregation, TimeSpan.FromMinutes(15));
            Assert.NotNull(estimate);
            var error = SampleData.RelativeError(estimate.Value, exact);
            Assert.True(error <= Tolerance, $"{distribution} {aggregation.ToWire()}: exact {exact}, sketch {estimate}, error {error:P3}");
        }
    }

    [Fact]
    public void Quantile_AllValuesZero_ReturnsZero()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < 100; i++)
        {
            series.Record(0, i * 100L);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);

        // Act
        var p50 = accumulator.Quantile(0.5);
        var p99 = accumulator.Quantile(0.99);

        // Assert
        Assert.Equal(0.0, p50);
        Assert.Equal(0.0, p99);
    }

    [Fact]
    public void Quantile_MostlyZeros_LowQuantilesZeroHighQuantilesFromPositiveValues()
    {
        // Arrange: 90 zeros and ten values of 250.
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < 100; i++)
        {
            series.Record(i < 90 ? 0 : 250, i * 100L);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);

        // Act
        var p50 = accumulator.Quantile(0.5);
        var p95 = accumulator.Quantile(0.95);

        // Assert
        Assert.Equal(0.0, p50);
        Assert.InRange(SampleData.RelativeError(p95!.Value, 250), 0, Tolerance);
    }

    [Fact]
    public void LogMean_LogNormalPoints_WithinOnePercentOfTheExactGeometricMean()
    {
        // Arrange
        var values = SampleData.Generate(SampleData.LogNormal, 20_000, seed: 7);
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            series.Record(values[i], i * 10L);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);

        // Act
        var logMean = accumulator.LogMean();

        // Assert: each point is its bin's value, within 1 %, so their logarithms' mean is within log 1.01.
        Assert.NotNull(logMean);
        Assert.InRange(logMean.Value - values.Average(Math.Log), -Math.Log(1.01), Math.Log(1.01));
    }

    [Fact]
    public void LogMean_NoTimingPointsOrAZeroAmongThem_IsNull()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Timing);
        series.Record(10, 0);
        series.Record(1000, 10);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);
        var withZero = new WindowAccumulator();
        series.Record(0, 20);
        series.AggregateInto(withZero, 0, long.MaxValue);

        // Act + Assert: the geometric mean of 10 and 1000 is 100; with a 0 among them there is none.
        Assert.Equal(Math.Log(100), accumulator.LogMean()!.Value, Math.Log(1.01));
        Assert.Null(withZero.LogMean());
        Assert.Null(new WindowAccumulator().LogMean());
    }

    [Fact]
    public void LogMean_Trimmed_LeavesOutTheSlowestAndFastestShare()
    {
        // Arrange: 96 points of 100 ms, two of 5 000 (a cold cache) and two of 0 ms.
        var accumulator = Merged([.. Enumerable.Repeat(100.0, 96), 5_000, 5_000, 0, 0]);

        // Act
        var whole = accumulator.LogMean();
        var trimmed = accumulator.LogMean(0.05);

        // Assert: untrimmed, the zeros leave no geometric mean; without the lowest and highest five
        // of the hundred, every point kept is 100 ms.
        Assert.Null(whole);
        Assert.Equal(Math.Log(100), trimmed!.Value, Math.Log(1.01));
    }

    [Fact]
    public void LogMean_TrimmedCutWithinAPoint_CountsThatPointInPart()
    {
        // Arrange: 1, 10, 100, 10 000 ms; a trim of 0.125 cuts half a point at each end.
        var accumulator = Merged(1, 10, 100, 10_000);

        // Act
        var trimmed = accumulator.LogMean(0.125);

        // Assert: (½ log 1 + log 10 + log 100 + ½ log 10 000) / 3 = 5/3 log 10 (untrimmed 1.75 log 10,
        // a whole point left out at each end 1.5 log 10).
        Assert.Equal(5.0 / 3 * Math.Log(10), trimmed!.Value, Math.Log(1.01));
    }

    [Fact]
    public void LogMean_ZeroKeptByTheTrim_IsNull()
    {
        // Arrange: ten points, three of them 0 ms: a 5 % trim leaves half a point out at each end.
        var accumulator = Merged(0, 0, 0, 50, 50, 50, 50, 50, 50, 50);

        // Act + Assert
        Assert.Null(accumulator.LogMean(0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => accumulator.LogMean(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => accumulator.LogMean(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => accumulator.LogMean(double.NaN));
    }

    [Fact]
    public void Quantile_SingleHugeValue_ClampedToTheRecordedValue()
    {
        // Arrange: 1e30 is past the last bin, whose representative is about 4.7e26.
        var accumulator = Merged(1e30);

        // Act
        var p99 = accumulator.Quantile(0.99);

        // Assert: clamping to [min, max] gives back the value itself.
        Assert.Equal(1e30, p99);
    }

    [Fact]
    public void Quantile_SeveralHugeValues_StaysWithinMinAndMax()
    {
        // Arrange
        var accumulator = Merged(1e28, 1e29, 1e30);

        // Act
        var quantiles = new[] { 0.0, 0.5, 0.99, 1.0 }.Select(q => accumulator.Quantile(q)!.Value).ToArray();

        // Assert: all share the clamped last bin; no answer is outside what was recorded.
        Assert.All(quantiles, value => Assert.InRange(value, 1e28, 1e30));
        Assert.Equal(1e30, accumulator.Max);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 1.0)]
    [InlineData(0.11, 2.0)]
    [InlineData(0.5, 5.0)]
    [InlineData(0.51, 6.0)]
    [InlineData(0.9, 9.0)]
    [InlineData(0.95, 10.0)]
    [InlineData(0.99, 10.0)]
    [InlineData(1.0, 10.0)]
    public void Quantile_OneToTen_NearestRank(double q, double expected)
    {
        // Arrange: 1..10; rank ⌈q × 10⌉ (at least 1): p50 → 5, p90 → 9, p95 and p99 → 10.
        var accumulator = Accumulate(Enumerable.Range(1, 10).Select(i => (double)i));

        // Act
        var value = accumulator.Quantile(q)!.Value;

        // Assert
        Assert.InRange(SampleData.RelativeError(value, expected), 0, Tolerance);
    }

    [Theory]
    [InlineData(0.5, 120.0)]
    [InlineData(0.51, 340.0)]
    [InlineData(0.95, 340.0)]
    [InlineData(0.99, 340.0)]
    public void Quantile_TwoPoints_NearestRankNotTheLowerPoint(double q, double expected)
    {
        // Arrange: the README's first batch for one route.
        var accumulator = Accumulate([120, 340]);

        // Act
        var value = accumulator.Quantile(q)!.Value;

        // Assert
        Assert.InRange(SampleData.RelativeError(value, expected), 0, Tolerance);
    }

    [Fact]
    public void Quantile_OneToHundred_P50IsFiftyAndP95NinetyFive()
    {
        // Arrange
        var accumulator = Accumulate(Enumerable.Range(1, 100).Select(i => (double)i));

        // Act
        var p50 = accumulator.Quantile(0.5)!.Value;
        var p95 = accumulator.Quantile(0.95)!.Value;
        var p07 = accumulator.Quantile(0.07)!.Value;

        // Assert: 0.07 × 100 is 7.000000000000001 in binary; the rank is still 7.
        Assert.InRange(SampleData.RelativeError(p50, 50), 0, Tolerance);
        Assert.InRange(SampleData.RelativeError(p95, 95), 0, Tolerance);
        Assert.InRange(SampleData.RelativeError(p07, 7), 0, Tolerance);
    }

    [Fact]
    public void Quantile_OnePoint_EveryQuantileIsThatPoint()
    {
        // Arrange
        var accumulator = Accumulate([2100]);

        // Act
        var quantiles = new[] { 0.0, 0.5, 0.95, 1.0 }.Select(q => accumulator.Quantile(q)!.Value);

        // Assert: clamped to min and max, so exact.
        Assert.All(quantiles, value => Assert.Equal(2100, value));
    }

    [Fact]
    public void Quantile_P95OfSkewedSmallSample_NotBelowTheAverage()
    {
        // Arrange: one slow request among four; the average is 595.
        var accumulator = Accumulate([100, 120, 160, 2000]);

        // Act
        var p95 = accumulator.Quantile(0.95)!.Value;
        var average = accumulator.Value(Aggregation.Avg, TwoMinutes)!.Value;

        // Assert
        Assert.InRange(SampleData.RelativeError(p95, 2000), 0, Tolerance);
        Assert.True(p95 >= average, $"p95 {p95} is below the average {average}");
    }

    [Theory]
    [InlineData(0.95, 1, 1)]
    [InlineData(0.95, 2, 2)]
    [InlineData(0.5, 2, 1)]
    [InlineData(0.5, 3, 2)]
    [InlineData(0.0, 7, 1)]
    [InlineData(1.0, 7, 7)]
    [InlineData(0.07, 100, 7)]
    [InlineData(0.29, 100, 29)]
    [InlineData(0.95, 200_000, 190_000)]
    [InlineData(0.999, 1_000_000_000_000, 999_000_000_000)]
    public void NearestRank_Examples_CeilingOfQTimesN(double q, long count, long expected)
    {
        // Act / Assert
        Assert.Equal(expected, WindowAccumulator.NearestRank(q, count));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    public void Quantile_OutsideZeroToOne_Throws(double q)
    {
        // Arrange
        var accumulator = new WindowAccumulator();

        // Act / Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => accumulator.Quantile(q));
    }

    [Theory]
    [InlineData(Aggregation.Min)]
    [InlineData(Aggregation.Max)]
    [InlineData(Aggregation.Avg)]
    [InlineData(Aggregation.Last)]
    [InlineData(Aggregation.P50)]
    [InlineData(Aggregation.P90)]
    [InlineData(Aggregation.P95)]
    [InlineData(Aggregation.P99)]
    [InlineData(Aggregation.ErrorRatePercent)]
    public void Value_EmptyAccumulator_IsNull(Aggregation aggregation)
    {
        // Arrange
        var accumulator = new WindowAccumulator();

        // Act
        var value = accumulator.Value(aggregation, TwoMinutes);

        // Assert
        Assert.Null(value);
    }

    [Theory]
    [InlineData(Aggregation.Count)]
    [InlineData(Aggregation.Sum)]
    [InlineData(Aggregation.RatePerSecond)]
    [InlineData(Aggregation.RatePerMinute)]
    public void Value_EmptyAccumulator_CountsAndRatesAreZero(Aggregation aggregation)
    {
        // Arrange
        var accumulator = new WindowAccumulator();

        // Act
        var value = accumulator.Value(aggregation, TwoMinutes);

        // Assert
        Assert.Equal(0.0, value);
        Assert.False(accumulator.HasBins);
    }

    [Theory]
    [InlineData(Aggregation.RatePerSecond)]
    [InlineData(Aggregation.RatePerMinute)]
    public void Value_RateOverEmptyWindowSpan_IsNull(Aggregation aggregation)
    {
        // Arrange
        var accumulator = new WindowAccumulator();
        accumulator.AddStats(3, 30, 5, 15, 15, 1_000, isError: false);

        // Act
        var value = accumulator.Value(aggregation, TimeSpan.Zero);

        // Assert
        Assert.Null(value);
    }

    // Timing points (timestamp ms → value): 1 s → 10, 2 s → 20, 15 s → 30, 50 s → 100, then a
    // late 20 s → 40. Window of 2 minutes. Sorted: 10 20 30 40 100; rank floor(q × 4).
    [Theory]
    [InlineData(Aggregation.Count, 5.0)]
    [InlineData(Aggregation.Sum, 200.0)]
    [InlineData(Aggregation.Min, 10.0)]
    [InlineData(Aggregation.Max, 100.0)]
    [InlineData(Aggregation.Avg, 40.0)]
    [InlineData(Aggregation.Last, 100.0)]
    [InlineData(Aggregation.RatePerSecond, 5.0 / 120)]
    [InlineData(Aggregation.RatePerMinute, 2.5)]
    [InlineData(Aggregation.ErrorRatePercent, 0.0)]
    public void Value_TimingExample_MatchesHandComputed(Aggregation aggregation, double expected)
    {
        // Arrange
        var accumulator = AggregateTimingExample();

        // Act
        var value = accumulator.Value(aggregation, TwoMinutes);

        // Assert
        Assert.NotNull(value);
        Assert.Equal(expected, value.Value, 12);
    }

    [Theory]
    [InlineData(Aggregation.P50, 30.0)]
    [InlineData(Aggregation.P90, 100.0)]
    [InlineData(Aggregation.P95, 100.0)]
    [InlineData(Aggregation.P99, 100.0)]
    public void Value_TimingExampleQuantile_WithinOnePercentOfHandComputed(Aggregation aggregation, double expected)
    {
        // Arrange
        var accumulator = AggregateTimingExample();

        // Act
        var value = accumulator.Value(aggregation, TwoMinutes);

        // Assert
        Assert.NotNull(value);
        Assert.InRange(SampleData.RelativeError(value.Value, expected), 0, Tolerance);
    }

    // Counter increments: 5 s → 3, 15 s → 5, 70 s → 2. Rates count the increments, not the points.
    [Theory]
    [InlineData(Aggregation.Count, 3.0)]
    [InlineData(Aggregation.Sum, 10.0)]
    [InlineData(Aggregation.Avg, 10.0 / 3)]
    [InlineData(Aggregation.Last, 2.0)]
    [InlineData(Aggregation.RatePerSecond, 10.0 / 120)]
    [InlineData(Aggregation.RatePerMinute, 5.0)]
    public void Value_CounterExample_RatesAreSumPerTime(Aggregation aggregation, double expected)
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Counter, "jobs_total");
        series.Record(3, 5_000);
        series.Record(5, 15_000);
        series.Record(2, 70_000);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, 120_000);

        // Act
        var value = accumulator.Value(aggregation, TwoMinutes);

        // Assert
        Assert.NotNull(value);
        Assert.Equal(expected, value.Value, 12);
    }

    [Theory]
    [InlineData(MetricType.Counter)]
    [InlineData(MetricType.Gauge)]
    public void Value_QuantileOfNonTimingSeries_IsNull(MetricType type)
    {
        // Arrange
        var series = SampleData.NewSeries(type, "queue_depth");
        series.Record(4, 1_000);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, 60_000);

        // Act
        var p95 = accumulator.Value(Aggregation.P95, TimeSpan.FromMinutes(1));

        // Assert
        Assert.Null(p95);
        Assert.Equal(1, accumulator.Count);
    }

    [Fact]
    public void Value_ErrorRateOverSeriesByStatus_CountsErrorStatusesOnly()
    {
        // Arrange: 6 of 10 points carry an error status (500, error, failed, failure).
        var points = new (string Status, int Points)[]
        {
            ("500", 3), ("error", 1), ("failed", 1), ("failure", 1), ("200", 3), ("ok", 1),
        };
        var accumulator = new WindowAccumulator();
        foreach (var (status, count) in points)
        {
            var series = SampleData.NewSeries(MetricType.Timing, "http_request_ms", SampleData.Labels(("status", status)));
            for (var i = 0; i < count; i++)
            {
                series.Record(12.5, 1_000 + i);
            }

            series.AggregateInto(accumulator, 0, 60_000);
        }

        // Act
        var errorRate = accumulator.Value(Aggregation.ErrorRatePercent, TimeSpan.FromMinutes(1));

        // Assert
        Assert.Equal(6, accumulator.ErrorCount);
        Assert.Equal(60.0, errorRate!.Value, 12);
    }

    [Fact]
    public void AggregateInto_TwoSeriesMerged_EqualsOneSeriesHoldingTheUnion()
    {
        // Arrange: the same points, split between two series or all in one.
        var values = SampleData.Generate(SampleData.LogNormal, 20_000, seed: 3);
        var even = SampleData.NewSeries(MetricType.Timing, "latency_ms", SampleData.Labels(("half", "even")));
        var odd = SampleData.NewSeries(MetricType.Timing, "latency_ms", SampleData.Labels(("half", "odd")));
        var union = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            var timestamp = i * 37L;
            (i % 2 == 0 ? even : odd).Record(values[i], timestamp);
            union.Record(values[i], timestamp);
        }

        var merged = new WindowAccumulator();
        var single = new WindowAccumulator();

        // Act
        even.AggregateInto(merged, 0, long.MaxValue);
        odd.AggregateInto(merged, 0, long.MaxValue);
        union.AggregateInto(single, 0, long.MaxValue);

        // Assert
        AssertSameAggregations(single, merged);
    }

    [Fact]
    public void AddPacked_PackedBinsOfTwoAccumulators_EqualsAccumulatingTheUnion()
    {
        // Arrange: how rollups of two halves are combined again.
        var values = SampleData.Generate(SampleData.Bimodal, 20_000, seed: 5);
        var first = SampleData.NewSeries(MetricType.Timing);
        var second = SampleData.NewSeries(MetricType.Timing);
        var union = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            (i < values.Length / 3 ? first : second).Record(values[i], i * 11L);
            union.Record(values[i], i * 11L);
        }

        var expected = new WindowAccumulator();
        union.AggregateInto(expected, 0, long.MaxValue);
        var merged = new WindowAccumulator();

        // Act
        foreach (var part in new[] { first, second })
        {
            var partial = new WindowAccumulator();
            part.AggregateInto(partial, 0, long.MaxValue);
            merged.AddStats(partial.Count, partial.Sum, partial.Min, partial.Max, partial.Last, partial.LastTimestampMs, isError: false);
            merged.AddPacked(partial.PackBins());
        }

        // Assert
        AssertSameAggregations(expected, merged);
    }

    [Fact]
    public void AddRollup_EveryMinuteOfASeries_EqualsAggregatingTheSeries()
    {
        // Arrange: the query path for the part of a range that only the stored rollups cover.
        var values = SampleData.Generate(SampleData.LogNormal, 3_000, seed: 8);
        var series = SampleData.NewSeries(MetricType.Timing, "http_request_ms", SampleData.Labels(("status", "503")));
        for (var i = 0; i < values.Length; i++)
        {
            series.Record(values[i], i * 100L);
        }

        var expected = new WindowAccumulator();
        series.AggregateInto(expected, 0, 5 * 60_000);
        var rollups = series.TakeDirtyRollups(5 * 60_000);
        var fromRollups = new WindowAccumulator();

        // Act
        foreach (var rollup in rollups)
        {
            fromRollups.AddRollup(rollup, series.IsError);
        }

        // Assert
        AssertSameAggregations(expected, fromRollups);
        Assert.Equal(expected.ErrorCount, fromRollups.ErrorCount);
        Assert.Equal(100.0, fromRollups.Value(Aggregation.ErrorRatePercent, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void PackBins_CountAboveTwentyBits_SplitsIntoSeveralEntries()
    {
        // Arrange
        var accumulator = new WindowAccumulator();
        var code = SketchMapping.Code(42);
        accumulator.AddBin(code, (2L * SketchMapping.MaxPackedCount) + 5);

        // Act
        var packed = accumulator.PackBins();

        // Assert
        Assert.Equal(3, packed.Length);
        Assert.All(packed, entry => Assert.Equal(code, SketchMapping.PackedCode(entry)));
        Assert.Equal((2L * SketchMapping.MaxPackedCount) + 5, packed.Sum(entry => (long)SketchMapping.PackedCount(entry)));
    }

    [Fact]
    public void Reset_AfterMerging_ClearsEverything()
    {
        // Arrange
        var accumulator = AggregateTimingExample();

        // Act
        accumulator.Reset();

        // Assert
        Assert.Equal(0, accumulator.Count);
        Assert.False(accumulator.HasBins);
        Assert.Null(accumulator.Quantile(0.5));
        Assert.Null(accumulator.Value(Aggregation.Max, TwoMinutes));
        Assert.Empty(accumulator.PackBins());
    }

    [Fact]
    public void AggregateInto_CallerAccumulatorWhileAnotherSeriesTakesDirtyRollups_KeepsTheCallersState()
    {
        // Arrange: a caller merges a window into its accumulator...
        var queried = SampleData.NewSeries(MetricType.Timing);
        queried.Record(10, 1_000);
        queried.Record(20, 2_000);
        var flushed = SampleData.NewSeries(MetricType.Timing, "other_ms");
        flushed.Record(99, 1_000);
        var accumulator = new WindowAccumulator();
        queried.AggregateInto(accumulator, 0, 60_000);

        // Act: ...and, before reading it, flushes another series on the same thread.
        var rollups = flushed.TakeDirtyRollups(60_000);

        // Assert: the flush must not reset the caller's accumulator.
        Assert.Single(rollups);
        Assert.Equal(2, accumulator.Count);
        Assert.Equal(30.0, accumulator.Sum);
    }

    private static WindowAccumulator Accumulate(IEnumerable<double> values)
    {
        var series = SampleData.NewSeries(MetricType.Timing);
        var at = 1_000L;
        foreach (var value in values)
        {
            series.Record(value, at += 1_000);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);
        return accumulator;
    }

    private static WindowAccumulator AggregateTimingExample()
    {
        var series = SampleData.NewSeries(MetricType.Timing);
        series.Record(10, 1_000);
        series.Record(20, 2_000);
        series.Record(30, 15_000);
        series.Record(100, 50_000);
        series.Record(40, 20_000);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, 120_000);
        return accumulator;
    }

    private static void AssertSameAggregations(WindowAccumulator expected, WindowAccumulator actual)
    {
        var window = TimeSpan.FromMinutes(5);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Sum, actual.Sum, 6);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.Last, actual.Last);
        Assert.Equal(expected.LastTimestampMs, actual.LastTimestampMs);
        Assert.Equal(expected.PackBins(), actual.PackBins());
        foreach (var aggregation in new[] { Aggregation.P50, Aggregation.P90, Aggregation.P95, Aggregation.P99, Aggregation.RatePerMinute })
        {
            Assert.Equal(expected.Value(aggregation, window), actual.Value(aggregation, window));
        }
    }

    /// <summary>The values recorded in a timing series, one every millisecond, and merged.</summary>
    private static WindowAccumulator Merged(params double[] values)
    {
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            series.Record(values[i], i);
        }

        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);
        return accumulator;
    }
}
