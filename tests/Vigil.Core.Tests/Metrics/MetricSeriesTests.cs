using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class MetricSeriesTests
{
    private const long Second = 1_000;
    private const long Minute = 60_000;
    private const double Tolerance = SketchMapping.RelativeAccuracy * (1 + 1e-9);

    [Theory]
    [InlineData(0, 30_000, 4)]        // buckets 0, 10 s, 20 s
    [InlineData(0, 20_000, 3)]        // the bucket starting at "to" is out
    [InlineData(0, 20_001, 4)]
    [InlineData(5_000, 30_000, 2)]    // the bucket starting before "from" is out, though it ends inside
    [InlineData(10_000, 20_000, 1)]
    [InlineData(10_000, 10_000, 0)]
    [InlineData(30_000, 90_000, 0)]
    public void AggregateInto_Window_TakesBucketsStartingInFromToExclusive(long fromMs, long toMs, long expectedCount)
    {
        // Arrange: two points in the bucket at 0, one at 10 s, one at 20 s.
        var series = SampleData.NewSeries(MetricType.Gauge, "queue_depth");
        series.Record(1, 0);
        series.Record(2, 9_999);
        series.Record(3, 10_000);
        series.Record(4, 29_999);
        var accumulator = new WindowAccumulator();

        // Act
        series.AggregateInto(accumulator, fromMs, toMs);

        // Assert
        Assert.Equal(expectedCount, accumulator.Count);
    }

    [Fact]
    public void Record_OutOfOrderPointIntoOlderBucket_CountedInStatsAndQuantiles()
    {
        // Arrange: 100 points of 10 ms in the bucket at 0, then the series moves on to 60 s.
        var series = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < 100; i++)
        {
            series.Record(10, i * 50L);
        }

        series.Record(10, 60 * Second);

        // Act: five slow points arrive late into the (packed) bucket at 0 and a new bucket at 30 s.
        for (var i = 0; i < 3; i++)
        {
            series.Record(5_000, 5 * Second);
        }

        series.Record(5_000, 30 * Second);
        series.Record(5_000, 31 * Second);

        // Assert
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, 2 * Minute);
        Assert.Equal(106, accumulator.Count);
        Assert.Equal((101 * 10.0) + (5 * 5_000.0), accumulator.Sum);
        Assert.Equal(5_000.0, accumulator.Max);
        Assert.InRange(SampleData.RelativeError(accumulator.Quantile(0.99)!.Value, 5_000), 0, Tolerance);
        Assert.InRange(SampleData.RelativeError(accumulator.Quantile(0.9)!.Value, 10), 0, Tolerance);
    }

    [Fact]
    public void Record_WithCount_SameAsRecordingThePointThatManyTimes()
    {
        // Arrange: a hot bucket, a packed (older open) bucket, a patch, and a count past one packed entry's capacity.
        var weighted = SampleData.NewSeries(MetricType.Timing);
        var repeated = SampleData.NewSeries(MetricType.Timing);
        var records = new (double Value, long At, int Count)[]
        {
            (12.5, 0, 3), (400, 1 * Second, 2_000), (7, 20 * Second, 5), (900, 2 * Second, 4), (3, 65 * Second, (int)SketchMapping.MaxPackedCount + 10),
        };

        // Act
        foreach (var (value, at, count) in records)
        {
            weighted.Record(value, at, count);
            for (var i = 0; i < count; i++)
            {
                repeated.Record(value, at);
            }
        }

        // Assert
        var expected = new WindowAccumulator();
        var actual = new WindowAccumulator();
        repeated.AggregateInto(expected, 0, 2 * Minute);
        weighted.AggregateInto(actual, 0, 2 * Minute);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Sum, actual.Sum, 6);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        foreach (var q in new[] { 0.01, 0.5, 0.9, 0.99, 0.999, 1 })
        {
            Assert.Equal(expected.Quantile(q), actual.Quantile(q));
        }

        Assert.Equal(repeated.TotalCount, weighted.TotalCount);
        Assert.Equal(repeated.TakeDirtyRollups(long.MaxValue).Select(r => (r.Count, r.Bins!.Sum(b => (long)SketchMapping.PackedCount(b)))),
            weighted.TakeDirtyRollups(long.MaxValue).Select(r => (r.Count, r.Bins!.Sum(b => (long)SketchMapping.PackedCount(b)))));
    }

    [Fact]
    public void Record_ZeroCount_Throws()
    {
        var series = SampleData.NewSeries(MetricType.Timing);
        Assert.Throws<ArgumentOutOfRangeException>(() => series.Record(1, 0, 0));
    }

    [Fact]
    public void Record_OutOfOrderPoint_DoesNotBecomeLast()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Gauge, "queue_depth");
        series.Record(7, 45 * Second);

        // Act: recorded after, but older (another bucket and the same bucket).
        series.Record(99, 12 * Second);
        series.Record(98, 41 * Second);

        // Assert
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, Minute);
        Assert.Equal(7.0, accumulator.Value(Aggregation.Last, TimeSpan.FromMinutes(1)));
        Assert.Equal(45 * Second, accumulator.LastTimestampMs);
        Assert.Equal(7.0, series.LastValue);
        Assert.Equal(45 * Second, series.LastSeenMs);
    }

    [Fact]
    public void Record_SameTimestampTwice_LaterRecordWinsLast()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Gauge, "queue_depth");
        series.Record(1, 5 * Second);

        // Act
        series.Record(2, 5 * Second);

        // Assert
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, Minute);
        Assert.Equal(2.0, accumulator.Last);
    }

    [Fact]
    public void Record_Points_TotalsAreMonotonic()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Counter, "jobs_total");

        // Act
        series.Record(2, 3 * Minute);
        series.Record(3, 1 * Minute);
        series.Record(5, 2 * Minute);

        // Assert
        Assert.Equal(3, series.TotalCount);
        Assert.Equal(10.0, series.TotalSum);
        Assert.Equal(Minute, series.OldestBucketStart);
    }

    [Fact]
    public void OldestBucketStart_EmptySeries_IsNull()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Timing);

        // Act
        var oldest = series.OldestBucketStart;

        // Assert
        Assert.Null(oldest);
    }

    private const long BlockSpan = BucketLog.BlockSize * 10_000;

    [Fact]
    public void Prune_FlushedOldBuckets_AreDropped()
    {
        // Arrange: one point every 10 s for 10 minutes, all flushed.
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 10);
        series.TakeDirtyRollups(10 * Minute);

        // Act
        series.Prune(8 * Minute);

        // Assert: encoded buckets go in whole blocks, so at most one block before 8 min stays.
        Assert.InRange(series.OldestBucketStart!.Value, (8 * Minute) - BlockSpan, 8 * Minute);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 8 * Minute, long.MaxValue);
        Assert.Equal(12, accumulator.Count);
        Assert.True(accumulator.HasBins);
        var all = new WindowAccumulator();
        series.AggregateInto(all, 0, long.MaxValue);
        Assert.InRange(all.Count, 12, 12 + BucketLog.BlockSize);
    }

    [Fact]
    public void Prune_UnflushedMinutesBeforeHorizon_AreKept()
    {
        // Arrange: 10 minutes of points, only minutes 0..4 flushed.
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 10);
        series.TakeDirtyRollups(5 * Minute);

        // Act
        series.Prune(8 * Minute);

        // Assert: nothing from minute 5 on is dropped (older buckets go in whole encoded blocks).
        Assert.InRange(series.OldestBucketStart!.Value, (5 * Minute) - BlockSpan, 5 * Minute);
        var rollups = series.TakeDirtyRollups(10 * Minute);
        Assert.Equal([5 * Minute, 6 * Minute, 7 * Minute, 8 * Minute, 9 * Minute], rollups.Select(r => r.MinuteStartMs));
        Assert.All(rollups, rollup => Assert.Equal(6, rollup.Count));
    }

    [Fact]
    public void Prune_EverythingIncludingHotBucket_ThenRecord_StartsClean()
    {
        // Arrange
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 2);
        series.TakeDirtyRollups(2 * Minute);

        // Act
        series.Prune(10 * Minute);
        series.Record(7, 11 * Minute);

        // Assert: nothing of the pruned hot bucket leaks into the new one.
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);
        Assert.Equal(1, accumulator.Count);
        Assert.Equal([SketchMapping.Pack(SketchMapping.Code(7), 1)], accumulator.PackBins());
    }

    [Fact]
    public void TakeDirtyRollups_ClosedMinutes_ReturnedOnceEach()
    {
        // Arrange
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 3);

        // Act
        var first = series.TakeDirtyRollups(3 * Minute);
        var second = series.TakeDirtyRollups(3 * Minute);

        // Assert
        Assert.Equal([0, Minute, 2 * Minute], first.Select(r => r.MinuteStartMs));
        Assert.All(first, rollup => Assert.Equal(6, rollup.Count));
        Assert.All(first, rollup => Assert.Equal(6, rollup.Bins!.Sum(entry => (long)SketchMapping.PackedCount(entry))));
        Assert.Empty(second);
    }

    [Fact]
    public void TakeDirtyRollups_OpenMinute_HeldBackUntilClosed()
    {
        // Arrange: minutes 0 and 1 have points; "now" is 1 min 30 s.
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 2);

        // Act
        var whileOpen = series.TakeDirtyRollups(Minute + (30 * Second));
        var afterClose = series.TakeDirtyRollups(2 * Minute);

        // Assert
        Assert.Equal([0L], whileOpen.Select(r => r.MinuteStartMs));
        Assert.Equal([Minute], afterClose.Select(r => r.MinuteStartMs));
    }

    [Fact]
    public void TakeDirtyRollups_Rollup_CarriesStatsAndLastOffset()
    {
        // Arrange: minute 1 holds 4, 8, 2 at 61 s, 75 s, 70 s.
        var series = SampleData.NewSeries(MetricType.Timing);
        series.Record(4, Minute + (1 * Second));
        series.Record(8, Minute + (15 * Second));
        series.Record(2, Minute + (10 * Second));

        // Act
        var rollup = Assert.Single(series.TakeDirtyRollups(2 * Minute));

        // Assert
        Assert.Equal(Minute, rollup.MinuteStartMs);
        Assert.Equal(3, rollup.Count);
        Assert.Equal(14.0, rollup.Sum);
        Assert.Equal(2.0, rollup.Min);
        Assert.Equal(8.0, rollup.Max);
        Assert.Equal(8.0, rollup.Last);
        Assert.Equal(15_000, rollup.LastOffsetMs);
    }

    [Fact]
    public void TakeDirtyRollups_GaugeSeries_HasNoBins()
    {
        // Arrange
        var series = RecordEveryTenSeconds(MetricType.Gauge, minutes: 1);

        // Act
        var rollup = Assert.Single(series.TakeDirtyRollups(Minute));

        // Assert
        Assert.Null(rollup.Bins);
        Assert.Equal(6, rollup.Count);
    }

    [Fact]
    public void TakeDirtyRollups_LatePointIntoFlushedMinute_ReturnsThatMinuteAgainWithThePoint()
    {
        // Arrange
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 3);
        series.TakeDirtyRollups(3 * Minute);

        // Act
        series.Record(1_000, Minute + (25 * Second));
        var rollups = series.TakeDirtyRollups(3 * Minute);

        // Assert
        var minute = Assert.Single(rollups, r => r.MinuteStartMs == Minute);
        Assert.Equal(7, minute.Count);
        Assert.Equal(1_000.0, minute.Max);
        Assert.Empty(series.TakeDirtyRollups(3 * Minute));
    }

    [Fact]
    public void TakeDirtyRollups_LatePointIntoFlushedMinute_ReturnsOnlyTheChangedMinute()
    {
        // Arrange: ten minutes flushed.
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 10);
        series.TakeDirtyRollups(10 * Minute);

        // Act: one late point into minute 2.
        series.Record(1_000, (2 * Minute) + (5 * Second));
        var rollups = series.TakeDirtyRollups(10 * Minute);

        // Assert: minutes 3..9 did not change since the last call.
        Assert.Equal([2 * Minute], rollups.Select(r => r.MinuteStartMs));
    }

    [Fact]
    public void MarkDirty_FlushedMinute_IsReturnedAgain()
    {
        // Arrange: the store could not write minute 1's rollup.
        var series = RecordEveryTenSeconds(MetricType.Timing, minutes: 3);
        var first = series.TakeDirtyRollups(3 * Minute);

        // Act
        series.MarkDirty(Minute);
        var retried = series.TakeDirtyRollups(3 * Minute);

        // Assert
        Assert.Equal(3, first.Count);
        var again = Assert.Single(retried, r => r.MinuteStartMs == Minute);
        Assert.Equal(first[1], again with { Bins = first[1].Bins });
        Assert.Equal(first[1].Bins, again.Bins);
    }

    [Fact]
    public void Restore_RollupsIntoNewSeries_AggregatesLikeTheOriginal()
    {
        // Arrange: five minutes of log-normal timings, 2 points/s.
        var values = SampleData.Generate(SampleData.LogNormal, 600, seed: 11);
        var original = SampleData.NewSeries(MetricType.Timing);
        for (var i = 0; i < values.Length; i++)
        {
            original.Record(values[i], (i * 500L) + 123);
        }

        var rollups = original.TakeDirtyRollups(5 * Minute);
        var restored = SampleData.NewSeries(MetricType.Timing);

        // Act: restored in reverse order, which exercises inserting before existing buckets.
        foreach (var rollup in Enumerable.Reverse(rollups))
        {
            restored.Restore(rollup);
        }

        // Assert
        Assert.Equal(5, rollups.Count);
        var expected = new WindowAccumulator();
        var actual = new WindowAccumulator();
        original.AggregateInto(expected, 0, 5 * Minute);
        restored.AggregateInto(actual, 0, 5 * Minute);
        foreach (var aggregation in Enum.GetValues<Aggregation>())
        {
            var want = expected.Value(aggregation, TimeSpan.FromMinutes(5));
            var got = actual.Value(aggregation, TimeSpan.FromMinutes(5));
            Assert.True(want is null ? got is null : Math.Abs(want.Value - got!.Value) <= 1e-9 * Math.Max(1, Math.Abs(want.Value)),
                $"{aggregation.ToWire()}: original {want}, restored {got}");
        }

        Assert.Equal(original.LastSeenMs, restored.LastSeenMs);
        Assert.Equal(original.LastValue, restored.LastValue);
    }

    [Fact]
    public void Restore_IntoMinuteWithNewPoints_MergesBoth()
    {
        // Arrange: a minute persisted before a restart, and a point of the same minute recorded since.
        var before = SampleData.NewSeries(MetricType.Timing);
        before.Record(100, 10 * Second);
        before.Record(300, 50 * Second);
        var rollup = Assert.Single(before.TakeDirtyRollups(Minute));
        var after = SampleData.NewSeries(MetricType.Timing);
        after.Record(200, 5 * Second);

        // Act
        after.Restore(rollup);

        // Assert
        var accumulator = new WindowAccumulator();
        after.AggregateInto(accumulator, 0, Minute);
        Assert.Equal(3, accumulator.Count);
        Assert.Equal(600.0, accumulator.Sum);
        Assert.Equal(300.0, accumulator.Last);
        Assert.InRange(SampleData.RelativeError(accumulator.Quantile(0.5)!.Value, 200), 0, Tolerance);
    }

    [Fact]
    public void Restore_Rollup_IsNotDirty()
    {
        // Arrange
        var original = RecordEveryTenSeconds(MetricType.Gauge, minutes: 2);
        var rollups = original.TakeDirtyRollups(2 * Minute);
        var restored = SampleData.NewSeries(MetricType.Gauge, "queue_depth");

        // Act
        foreach (var rollup in rollups)
        {
            restored.Restore(rollup);
        }

        // Assert
        Assert.Empty(restored.TakeDirtyRollups(10 * Minute));
        Assert.Equal(0, restored.TotalCount);
    }

    [Fact]
    public void RetainedBytes_MoreBuckets_Grows()
    {
        // Arrange
        var series = SampleData.NewSeries(MetricType.Timing);
        series.Record(5, 0);
        var one = series.RetainedBytes;

        // Act: ten minutes of buckets, several distinct values each.
        for (var t = 0L; t < 10 * Minute; t += 500)
        {
            series.Record(1 + (t % 7_000), t);
        }

        var many = series.RetainedBytes;

        // Assert
        Assert.True(many > one + (59 * 24), $"{one} → {many}");
    }

    [Theory]
    [InlineData(MetricType.Timing)]
    [InlineData(MetricType.Gauge)]
    public void Record_IntoTheOpenBucket_AllocatesNothing(MetricType type)
    {
        // Arrange: warm up (first-call and growth allocations happen here).
        var series = SampleData.NewSeries(type);
        for (var i = 0; i < 1_000; i++)
        {
            series.Record(1 + (i % 500), i);
        }

        long RecordMore()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 1_000; i < 10_000; i++)
            {
                series.Record(1 + (i % 500), i);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Act: 9 000 more points into the same 10 s bucket, over the same value range, three times.
        // The fewest bytes of the three: the runtime may allocate on this thread once while the
        // loop runs (a method moving to its optimised code; 2 560 bytes in one CI run), which a
        // steady state of Record would repeat every time.
        var allocated = Math.Min(RecordMore(), Math.Min(RecordMore(), RecordMore()));

        // Assert
        Assert.Equal(0, allocated);
        Assert.Equal(28_000, series.TotalCount);
    }

    [Fact]
    public void Record_ConcurrentWriters_ExactTotals()
    {
        // Arrange
        const int Threads = 4;
        const int PointsPerThread = 50_000;
        var series = SampleData.NewSeries(MetricType.Timing);
        using var start = new Barrier(Threads);

        // Act: integer values keep the sum exact whatever the order.
        var workers = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < PointsPerThread; i++)
            {
                series.Record(1 + (i % 100), (i * 3L) + thread);
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        // Assert
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, 0, long.MaxValue);
        Assert.Equal(Threads * PointsPerThread, accumulator.Count);
        Assert.Equal(Threads * PointsPerThread, series.TotalCount);
        Assert.Equal(Threads * 500 * 5_050.0, accumulator.Sum);
        Assert.Equal(Threads * PointsPerThread, accumulator.PackBins().Sum(entry => (long)SketchMapping.PackedCount(entry)));
    }

    [Theory]
    [InlineData("error")]
    [InlineData("failure")]
    [InlineData("failed")]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("599")]
    public void IsErrorStatus_ErrorStatus_IsTrue(string status)
    {
        // Act
        var isError = MetricSeries.IsErrorStatus(status);

        // Assert
        Assert.True(isError);
    }

    [Theory]
    [InlineData("200")]
    [InlineData("404")]
    [InlineData("499")]
    [InlineData("5xx")]
    [InlineData("50")]
    [InlineData("5000")]
    [InlineData("ok")]
    [InlineData("")]
    [InlineData(null)]
    public void IsErrorStatus_OtherStatus_IsFalse(string? status)
    {
        // Act
        var isError = MetricSeries.IsErrorStatus(status);

        // Assert
        Assert.False(isError);
    }

    [Theory]
    [InlineData("500", true)]
    [InlineData("200", false)]
    public void Constructor_StatusLabel_SetsIsError(string status, bool expected)
    {
        // Act
        var series = SampleData.NewSeries(MetricType.Counter, "requests_total", SampleData.Labels(("route", "/"), ("status", status)));

        // Assert
        Assert.Equal(expected, series.IsError);
    }

    /// <summary>A series with one point every 10 s (value 1 + index) from 0 for the given minutes.</summary>
    private static MetricSeries RecordEveryTenSeconds(MetricType type, int minutes)
    {
        var series = SampleData.NewSeries(type);
        for (var i = 0; i < minutes * 6; i++)
        {
            series.Record(1 + i, i * 10 * Second);
        }

        return series;
    }
}
