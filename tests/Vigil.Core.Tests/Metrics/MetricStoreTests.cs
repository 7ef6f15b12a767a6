using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class MetricStoreTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    [Fact]
    public void Ingest_ValidBatch_RecordsEveryPoint()
    {
        // Arrange
        var store = NewStore();
        var batch = new[]
        {
            Point("latency_ms", MetricType.Timing, 12, StartMs, ("route", "/a")),
            Point("latency_ms", MetricType.Timing, 30, StartMs + 1, ("route", "/a")),
            Point("latency_ms", MetricType.Timing, 7, StartMs, ("route", "/b")),
        };

        // Act
        var outcome = store.Ingest(batch);

        // Assert
        Assert.True(outcome.IsAccepted);
        Assert.Equal(3, outcome.AcceptedCount);
        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(3, store.IngestedPoints);
        Assert.Equal(2, store.Family("latency_ms")!.Series.Count);
        Assert.Equal(2, store.Find("latency_ms{route=\"/a\"}")!.TotalCount);
    }

    [Fact]
    public void Ingest_LabelsInAnyOrder_SameSeries()
    {
        // Arrange
        var store = NewStore();

        // Act
        store.Ingest([Point("requests_total", MetricType.Counter, 1, StartMs, ("b", "2"), ("a", "1"))]);
        store.Ingest([Point("requests_total", MetricType.Counter, 1, StartMs, ("a", "1"), ("b", "2"))]);

        // Assert
        Assert.Equal(1, store.SeriesCount);
        Assert.Equal(2, store.Find("requests_total{a=\"1\",b=\"2\"}")!.TotalCount);
    }

    [Fact]
    public void Ingest_TypeConflictWithExistingMetric_RecordsNothing()
    {
        // Arrange
        var store = NewStore();
        store.Ingest([Point("latency_ms", MetricType.Timing, 10, StartMs)]);
        var batch = new[]
        {
            Point("requests_total", MetricType.Counter, 1, StartMs),
            Point("latency_ms", MetricType.Timing, 20, StartMs),
            Point("latency_ms", MetricType.Counter, 1, StartMs, ("route", "/")),
        };

        // Act
        var outcome = store.Ingest(batch);

        // Assert
        Assert.False(outcome.IsAccepted);
        Assert.Equal(0, outcome.AcceptedCount);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal(2, error.Index);
        Assert.Equal("type", error.Field);
        Assert.Equal(1, store.SeriesCount);
        Assert.Null(store.Family("requests_total"));
        Assert.Equal(1, store.Find("latency_ms")!.TotalCount);
        Assert.Equal(1, store.IngestedPoints);
    }

    [Fact]
    public void Ingest_NewNameWithTwoTypesInOneBatch_RejectedAndNothingCreated()
    {
        // Arrange
        var batch = new[]
        {
            Point("jobs", MetricType.Counter, 1, StartMs, ("queue", "a")),
            Point("jobs", MetricType.Gauge, 5, StartMs, ("queue", "b")),
        };
        var store = NewStore();

        // Act
        var outcome = store.Ingest(batch);

        // Assert
        Assert.False(outcome.IsAccepted);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal(1, error.Index);
        Assert.Equal(0, store.SeriesCount);
        Assert.Null(store.Family("jobs"));
        Assert.Empty(store.AllSeries);
        Assert.Equal(0, store.RefusedSeries);
    }

    [Fact]
    public void Ingest_NewSeriesPastBound_RefusesWholeBatchAndCountsRefusedSeries()
    {
        // Arrange: bound 3, two series held; the batch brings two new series (one twice).
        var store = NewStore(maxSeries: 3);
        store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "a")), Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "b"))]);
        var batch = new[]
        {
            Point("cpu", MetricType.Gauge, 2, StartMs + 10, ("host", "a")),
            Point("cpu", MetricType.Gauge, 2, StartMs + 10, ("host", "c")),
            Point("cpu", MetricType.Gauge, 2, StartMs + 10, ("host", "d")),
            Point("cpu", MetricType.Gauge, 3, StartMs + 20, ("host", "c")),
        };

        // Act
        var outcome = store.Ingest(batch);

        // Assert
        Assert.False(outcome.IsAccepted);
        Assert.Equal([1, 2, 3], outcome.RefusedIndices);
        Assert.Equal(3, outcome.MaxSeries);
        Assert.Equal(2, store.RefusedSeries);
        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(1, store.Find("cpu{host=\"a\"}")!.TotalCount);
        Assert.Null(store.Find("cpu{host=\"c\"}"));
    }

    [Fact]
    public void Ingest_AtBound_ExistingSeriesStillAcceptPoints()
    {
        // Arrange
        var store = NewStore(maxSeries: 2);
        store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "a")), Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "b"))]);
        store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "c"))]);

        // Act
        var outcome = store.Ingest([Point("cpu", MetricType.Gauge, 5, StartMs + 10_000, ("host", "a")), Point("cpu", MetricType.Gauge, 6, StartMs + 10_000, ("host", "b"))]);

        // Assert
        Assert.True(outcome.IsAccepted);
        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(1, store.RefusedSeries);
        Assert.Equal(5.0, store.Find("cpu{host=\"a\"}")!.LastValue);
        Assert.Equal(2, store.Find("cpu{host=\"b\"}")!.TotalCount);
    }

    [Fact]
    public void Ingest_BatchFillingTheBoundExactly_IsAccepted()
    {
        // Arrange
        var store = NewStore(maxSeries: 3);

        // Act
        var filling = store.Ingest([.. Enumerable.Range(0, 3).Select(i => Point("cpu", MetricType.Gauge, i, StartMs, ("host", $"h{i}")))]);
        var past = store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "h3"))]);

        // Assert
        Assert.True(filling.IsAccepted);
        Assert.False(past.IsAccepted);
        Assert.Equal([0], past.RefusedIndices);
        Assert.Equal(3, store.SeriesCount);
    }

    [Fact]
    public void Ingest_ConcurrentBatchesIntoSameAndDifferentSeries_ExactTotals()
    {
        // Arrange: each batch has 50 points for 5 shared series and 50 for the thread's own 5.
        const int Threads = 4;
        const int Batches = 200;
        var store = NewStore();
        using var start = new Barrier(Threads);

        // Act
        var workers = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            start.SignalAndWait();
            for (var b = 0; b < Batches; b++)
            {
                var batch = new MetricPoint[100];
                for (var i = 0; i < batch.Length; i++)
                {
                    var shared = i % 2 == 0;
                    batch[i] = Point(
                        shared ? "shared_ms" : "own_ms",
                        MetricType.Timing,
                        1 + (i / 10),
                        StartMs + (b * 1_000L) + i,
                        ("n", (i / 2 % 5).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        ("t", shared ? "all" : thread.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                Assert.True(store.Ingest(batch).IsAccepted);
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        // Assert: each series gets ten points per batch, valued 1..10 (sum 55).
        Assert.Equal(Threads * Batches * 100, store.IngestedPoints);
        Assert.Equal(5 + (Threads * 5), store.SeriesCount);
        Assert.Equal(store.SeriesCount, store.AllSeries.Count());
        Assert.Equal(5, store.Family("shared_ms")!.Series.Count);
        Assert.Equal(Threads * 5, store.Family("own_ms")!.Series.Count);
        foreach (var series in store.AllSeries)
        {
            var accumulator = new WindowAccumulator();
            series.AggregateInto(accumulator, 0, long.MaxValue);
            var writers = series.Name == "shared_ms" ? Threads : 1;
            Assert.Equal(writers * Batches * 10, accumulator.Count);
            Assert.Equal(writers * Batches * 10, series.TotalCount);
            Assert.Equal(writers * Batches * 55.0, accumulator.Sum);
        }
    }

    [Fact]
    public void Ingest_ConcurrentNewSeriesAtBound_NeverExceedsBound()
    {
        // Arrange: 4 threads try 40 new series each against a bound of 50.
        const int Threads = 4;
        var store = NewStore(maxSeries: 50);
        var accepted = 0;
        using var start = new Barrier(Threads);

        // Act
        var workers = Enumerable.Range(0, Threads).Select(thread => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 40; i++)
            {
                var outcome = store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", $"{thread}-{i}"))]);
                if (outcome.IsAccepted)
                {
                    Interlocked.Increment(ref accepted);
                }
            }
        })).ToList();
        workers.ForEach(worker => worker.Start());
        workers.ForEach(worker => worker.Join());

        // Assert
        Assert.Equal(50, accepted);
        Assert.Equal(50, store.SeriesCount);
        Assert.Equal(50, store.AllSeries.Count());
        Assert.Equal(110, store.RefusedSeries);
    }

    [Fact]
    public void GetOrCreate_SameNameAndLabels_ReturnsTheSameSeries()
    {
        // Arrange
        var store = NewStore();
        var labels = SampleData.Labels(("route", "/"));

        // Act
        var first = store.GetOrCreate("latency_ms", labels, MetricType.Timing);
        var second = store.GetOrCreate("latency_ms", SampleData.Labels(("route", "/")), MetricType.Timing);

        // Assert
        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.Equal(1, store.SeriesCount);
        Assert.Equal("latency_ms{route=\"/\"}", first.Key);
    }

    [Fact]
    public void GetOrCreate_OverBound_ReturnsNullAndCountsRefusal()
    {
        // Arrange
        var store = NewStore(maxSeries: 1);
        var existing = store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Timing);

        // Act
        var refused = store.GetOrCreate("latency_ms", SampleData.Labels(("route", "/")), MetricType.Timing);
        var again = store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Timing);

        // Assert
        Assert.Null(refused);
        Assert.Same(existing, again);
        Assert.Equal(1, store.RefusedSeries);
        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public void GetOrCreate_OtherTypeUnderExistingName_ReturnsNull()
    {
        // Arrange
        var store = NewStore();
        store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Timing);

        // Act
        var sameKey = store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Gauge);
        var otherKey = store.GetOrCreate("latency_ms", SampleData.Labels(("route", "/")), MetricType.Counter);

        // Assert
        Assert.Null(sameKey);
        Assert.Null(otherKey);
        Assert.Equal(1, store.SeriesCount);
    }

    [Fact]
    public void GetOrCreate_OverBound_LeavesNoFamilyBehind()
    {
        // Arrange
        var store = NewStore(maxSeries: 1);
        store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Timing);

        // Act
        var refused = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge);

        // Assert: "the family of a metric name, if any series of it exists" — none does.
        Assert.Null(refused);
        Assert.Null(store.Family("queue_depth"));
        Assert.Single(store.Families);
    }

    [Fact]
    public void GetOrCreate_OwnSeriesAtTheBound_CreatedOutsideTheBound()
    {
        // Arrange: the user's series fill the bound.
        var store = NewStore(maxSeries: 2);
        store.GetOrCreate("queue_depth", LabelSet.From([new("q", "a")]), MetricType.Gauge);
        store.GetOrCreate("queue_depth", LabelSet.From([new("q", "b")]), MetricType.Gauge);

        // Act
        var own = store.GetOrCreate("vigil_gc_heap_bytes", LabelSet.Empty, MetricType.Gauge);
        var ownTiming = store.GetOrCreate("vigil_http_request_duration_ms", LabelSet.From([new("route", "/")]), MetricType.Timing);
        var user = store.GetOrCreate("queue_depth", LabelSet.From([new("q", "c")]), MetricType.Gauge);

        // Assert
        Assert.NotNull(own);
        Assert.NotNull(ownTiming);
        Assert.True(own.IsOwn);
        Assert.Null(user);
        Assert.Equal(2, store.SeriesCount);
        Assert.Equal(2, store.OwnSeriesCount);
        Assert.Equal(1, store.RefusedSeries);
    }

    [Fact]
    public void Drop_OwnSeries_FreesItsOwnCountOnly()
    {
        // Arrange
        var store = NewStore(maxSeries: 1);
        var own = store.GetOrCreate("vigil_alerts_open", LabelSet.Empty, MetricType.Gauge)!;
        store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge);

        // Act
        var dropped = store.Drop([own]);

        // Assert: the user's series still holds the one place of the bound.
        Assert.Equal(1, dropped);
        Assert.Equal(0, store.OwnSeriesCount);
        Assert.Equal(1, store.SeriesCount);
        Assert.Null(store.GetOrCreate("other", LabelSet.Empty, MetricType.Gauge));
    }

    [Fact]
    public void Record_InProcess_UsesTheStoreClockAndIsNotCountedAsIngested()
    {
        // Arrange
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions(), time);
        var series = store.GetOrCreate("latency_ms", LabelSet.Empty, MetricType.Timing)!;

        // Act
        store.Record(series, 5);
        time.Advance(TimeSpan.FromSeconds(15));
        store.Record(series, 9);

        // Assert
        Assert.Equal(StartMs + 15_000, series.LastSeenMs);
        Assert.Equal(9.0, series.LastValue);
        Assert.Equal(0, store.IngestedPoints);
        var firstBucket = new WindowAccumulator();
        series.AggregateInto(firstBucket, StartMs, StartMs + 10_000);
        Assert.Equal(5.0, firstBucket.Sum);
    }

    [Theory]
    [InlineData(35_000)]
    [InlineData(59_999)]
    [InlineData(1)]
    public void MemoryHorizonMs_RetentionEdgeInsideAMinute_IsTheNextWholeMinute(long msPastMinute)
    {
        // Arrange
        var time = new FakeTimeProvider(Start.AddHours(2).AddMilliseconds(msPastMinute));
        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromHours(1) }, time);

        // Act
        var horizon = store.MemoryHorizonMs;

        // Assert
        Assert.Equal(StartMs + 3_660_000, horizon);
    }

    [Fact]
    public void Prune_AfterRetentionWithRollupsFlushed_KeepsWholeMinutesFromTheHorizon()
    {
        // Arrange: two hours of one point every 10 s, flushed every minute as the server does;
        // "now" ends 35 s into a minute, so the retention edge falls inside a minute.
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromHours(1) }, time);
        var series = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge)!;
        FeedEveryTenSeconds(store, time, series, points: 720);
        time.Advance(TimeSpan.FromSeconds(35));

        // Act
        store.Prune();

        // Assert: minutes 61..119 stay, each whole; older buckets go in whole encoded blocks,
        // so at most one block from before the horizon may remain.
        Assert.Equal(StartMs + 3_660_000, store.MemoryHorizonMs);
        Assert.InRange(series.OldestBucketStart!.Value, store.MemoryHorizonMs - (BucketLog.BlockSize * 10_000), store.MemoryHorizonMs);
        var accumulator = new WindowAccumulator();
        series.AggregateInto(accumulator, store.MemoryHorizonMs, long.MaxValue);
        Assert.Equal(59 * 6, accumulator.Count);
        var all = new WindowAccumulator();
        series.AggregateInto(all, 0, long.MaxValue);
        Assert.InRange(all.Count, 59 * 6, (59 * 6) + BucketLog.BlockSize);
    }

    [Fact]
    public void Prune_UnflushedMinutes_AreKeptPastTheHorizon()
    {
        // Arrange: two hours of points, never flushed.
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromHours(1) }, time);
        var series = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge)!;
        for (var i = 0; i < 720; i++)
        {
            series.Record(i, StartMs + (i * 10_000L));
        }

        time.Advance(TimeSpan.FromHours(2));

        // Act
        store.Prune();

        // Assert
        Assert.Equal(StartMs, series.OldestBucketStart);
    }

    [Fact]
    public void Ingest_LatePointIntoOldestInMemoryMinuteAfterPrune_RollupCoversTheWholeMinute()
    {
        // Arrange: as above, pruned at 35 s into a minute; the oldest minute held is whole.
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromHours(1) }, time);
        var series = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge)!;
        FeedEveryTenSeconds(store, time, series, points: 720);
        time.Advance(TimeSpan.FromSeconds(35));
        store.Prune();
        var oldestMinute = store.MemoryHorizonMs;

        // Act: a late point 45 s into that minute, within the in-memory window.
        var outcome = store.Ingest([Point("queue_depth", MetricType.Gauge, 1_000, oldestMinute + 45_000)], store.MemoryHorizonMs);
        var rollups = series.TakeDirtyRollups(store.NowMs);

        // Assert: a rollup replaces the stored minute, so it must hold all of it.
        Assert.True(outcome.IsAccepted);
        Assert.Empty(outcome.LatePoints);
        var rollup = Assert.Single(rollups, r => r.MinuteStartMs == oldestMinute);
        Assert.Equal(7, rollup.Count);
        Assert.Equal(1_000.0, rollup.Max);
    }

    [Fact]
    public void Ingest_PointOlderThanMemoryHorizon_ReturnedAsLateAndNotRecordedInMemory()
    {
        // Arrange
        var time = new FakeTimeProvider(Start.AddHours(2).AddSeconds(35));
        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromHours(1) }, time);
        var horizon = store.MemoryHorizonMs;
        var batch = new[]
        {
            Point("latency_ms", MetricType.Timing, 10, horizon - 1),
            Point("latency_ms", MetricType.Timing, 20, horizon),
        };

        // Act
        var outcome = store.Ingest(batch, horizon);

        // Assert
        Assert.True(outcome.IsAccepted);
        Assert.Equal(2, outcome.AcceptedCount);
        var (lateSeries, latePoint) = Assert.Single(outcome.LatePoints);
        Assert.Equal(horizon - 1, latePoint.TimestampMs);
        var series = store.Find("latency_ms")!;
        Assert.Same(series, lateSeries);
        Assert.Equal(1, series.TotalCount);
        Assert.Equal(horizon, series.OldestBucketStart);
    }

    [Fact]
    public void Prepare_WithoutCommit_RecordsNothingAndCommitRecordsOnce()
    {
        // Arrange
        var store = NewStore();
        var outcome = store.Prepare([Point("latency_ms", MetricType.Timing, 10, StartMs)], long.MinValue);
        var series = store.Find("latency_ms")!;
        var beforeCommit = series.TotalCount;

        // Act
        outcome.Commit();
        outcome.Commit();

        // Assert: the series exists from Prepare on; its point lands once, on Commit.
        Assert.Equal(0, beforeCommit);
        Assert.Equal(1, series.TotalCount);
        Assert.Equal(1, store.IngestedPoints);
    }

    [Fact]
    public void Prepare_RefusedBatch_CommitRecordsNothing()
    {
        // Arrange
        var store = NewStore(maxSeries: 1);
        store.Ingest([Point("cpu", MetricType.Gauge, 1, StartMs, ("host", "a"))]);
        var outcome = store.Prepare([Point("cpu", MetricType.Gauge, 2, StartMs, ("host", "a")), Point("cpu", MetricType.Gauge, 2, StartMs, ("host", "b"))], long.MinValue);

        // Act
        outcome.Commit();

        // Assert
        Assert.False(outcome.IsAccepted);
        Assert.Equal(1, store.Find("cpu{host=\"a\"}")!.TotalCount);
        Assert.Equal(1, store.IngestedPoints);
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        // Act / Assert
        Assert.Throws<ArgumentNullException>(() => new MetricStore(null!, TimeProvider.System));
        Assert.Throws<ArgumentNullException>(() => new MetricStore(new MetricsOptions(), null!));
    }

    /// <summary>One point every 10 s from <see cref="Start"/>, with the clock and a flush every minute as the server does.</summary>
    private static void FeedEveryTenSeconds(MetricStore store, FakeTimeProvider time, MetricSeries series, int points)
    {
        for (var i = 0; i < points; i++)
        {
            series.Record(i, store.NowMs);
            time.Advance(TimeSpan.FromSeconds(10));
            if (i % 6 == 5)
            {
                series.TakeDirtyRollups(store.NowMs);
            }
        }
    }

    [Fact]
    public void TakeUnshippedRollups_PointInAMinutesLastSecond_MergedElsewhereStaysInItsBucket()
    {
        // Arrange: a sharing store receives a point at 12:00:59.5; another process's store merges
        // what it ships (AggregateSharing: Restore each partial rollup).
        var sender = new MetricStore(new MetricsOptions(), new FakeTimeProvider(Start)) { SharesAggregates = true };
        var receiver = NewStore();
        sender.Ingest([Point("latency_ms", MetricType.Timing, 42, StartMs + 59_500), Point("latency_ms", MetricType.Timing, 7, StartMs + 5_000)]);

        // Act
        var shipped = Assert.Single(sender.TakeSeriesToShip());
        var rollups = shipped.TakeUnshippedRollups();
        var merged = receiver.GetOrCreate("latency_ms", shipped.Labels, MetricType.Timing)!;
        foreach (var rollup in rollups)
        {
            merged.Restore(rollup);
        }

        // Assert: one partial per 10-second bucket, so a window from 12:00:30 still holds the late
        // point (merged at the minute's start it fell outside every window starting inside the minute).
        Assert.Equal([StartMs, StartMs + 50_000], rollups.Select(r => r.MinuteStartMs));
        var window = new WindowAccumulator();
        merged.AggregateInto(window, StartMs + 30_000, StartMs + 60_000);
        Assert.Equal(1, window.Count);
        Assert.Equal(42, window.Max);
        Assert.Equal(StartMs + 59_500, merged.LastSeenMs);
        Assert.Empty(sender.TakeSeriesToShip());
        Assert.Empty(shipped.TakeUnshippedRollups());
    }

    [Fact]
    public void TakeSeriesToShip_StoreNotSharing_NothingKept()
    {
        var store = NewStore();
        store.Ingest([Point("latency_ms", MetricType.Timing, 42, StartMs)]);

        Assert.Empty(store.TakeSeriesToShip());
        Assert.Empty(store.Find("latency_ms")!.TakeUnshippedRollups());
    }

    private static MetricStore NewStore(int maxSeries = 100_000) =>
        new(new MetricsOptions { MaxSeries = maxSeries }, new FakeTimeProvider(Start));

    private static MetricPoint Point(string name, MetricType type, double value, long timestampMs, params (string Name, string Value)[] labels) =>
        new(name, type, value, SampleData.Labels(labels), timestampMs);

    [Fact]
    public void Prune_SeriesIdleForTheWholeWindowAndWritten_IsEvictedAndFreesItsSlot()
    {
        // Arrange: a bound of 2, both taken; one series goes quiet.
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions { MaxSeries = 2 }, time);
        var quiet = store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "a")]), MetricType.Gauge)!;
        var busy = store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "b")]), MetricType.Gauge)!;
        store.Record(quiet, 1);
        Assert.Null(store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "c")]), MetricType.Gauge));

        // Act: two hours later, with every minute written, only the busy one has recent points.
        for (var minute = 0; minute < 120; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            store.Record(busy, minute);
            foreach (var series in store.AllSeries)
            {
                series.TakeDirtyRollups(store.NowMs - (store.NowMs % 60_000));
            }

            store.Prune();
        }

        // Assert
        Assert.Equal(1, store.EvictedSeries);
        Assert.Null(store.Find("pod_cpu{pod=\"a\"}"));
        Assert.Single(store.Family("pod_cpu")!.Series);
        Assert.NotNull(store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "c")]), MetricType.Gauge));
        Assert.False(quiet.Record(5, store.NowMs));
    }

    [Fact]
    public void Prune_UnwrittenMinutes_KeepTheSeries()
    {
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions(), time);
        var series = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge)!;
        store.Record(series, 3);

        time.Advance(TimeSpan.FromHours(3));
        store.Prune();

        Assert.Equal(0, store.EvictedSeries);
        Assert.Same(series, store.Find("queue_depth"));
    }

    [Fact]
    public void Commit_AfterTheSeriesWasEvicted_StillRecordsThePoint()
    {
        // Arrange: a batch prepared for an existing, idle series...
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions(), time);
        var idle = store.GetOrCreate("queue_depth", LabelSet.Empty, MetricType.Gauge)!;
        store.Record(idle, 3);
        idle.TakeDirtyRollups(long.MaxValue);
        time.Advance(TimeSpan.FromHours(2));
        var outcome = store.Prepare([new MetricPoint("queue_depth", MetricType.Gauge, 42, LabelSet.Empty, store.NowMs)], store.MemoryHorizonMs);

        // ...and the series is evicted before the batch is committed.
        store.Prune();
        outcome.Commit();

        // Assert
        var current = store.Find("queue_depth")!;
        Assert.NotSame(idle, current);
        Assert.Equal(42, current.LastValue);
        Assert.Equal(1, store.SeriesCount);
    }
}
