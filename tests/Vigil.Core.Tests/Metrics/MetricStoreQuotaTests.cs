using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>Series owned per key: the quota, and what frees it (eviction, dropping).</summary>
public class MetricStoreQuotaTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);

    private static MetricPoint Gauge(string pod) =>
        new("pod_cpu", MetricType.Gauge, 1, LabelSet.From([new("pod", pod)]), Start.ToUnixTimeMilliseconds());

    [Fact]
    public void Prepare_BatchPastTheOwnersQuota_RefusedWholeOthersUnaffected()
    {
        // Arrange
        var store = new MetricStore(new MetricsOptions { MaxSeries = 100 }, new FakeTimeProvider(Start));
        var quota = new SeriesQuota("key-a", 2);
        store.Prepare([Gauge("a"), Gauge("b")], long.MinValue, quota).Commit();

        // Act
        var past = store.Prepare([Gauge("a"), Gauge("c")], long.MinValue, quota);
        var existing = store.Prepare([Gauge("a"), Gauge("b")], long.MinValue, quota);
        var other = store.Prepare([Gauge("c")], long.MinValue, new SeriesQuota("key-b", 2));

        // Assert
        Assert.False(past.IsAccepted);
        Assert.Equal(quota, past.OverQuota);
        Assert.Equal([1], past.RefusedIndices);
        Assert.True(existing.IsAccepted);
        Assert.True(other.IsAccepted);
        Assert.Equal(2, store.SeriesOwnedBy("key-a"));
        Assert.Equal(1, store.SeriesOwnedBy("key-b"));
        Assert.Equal("key-a", store.Find("pod_cpu{pod=\"a\"}")!.Owner);
    }

    [Fact]
    public void Prepare_PastTheServerBoundWithinTheQuota_TooManySeriesAndTheQuotaUntouched()
    {
        // Arrange
        var store = new MetricStore(new MetricsOptions { MaxSeries = 1 }, new FakeTimeProvider(Start));
        var quota = new SeriesQuota("key-a", 10);

        // Act
        var refused = store.Prepare([Gauge("a"), Gauge("b")], long.MinValue, quota);

        // Assert
        Assert.Null(refused.OverQuota);
        Assert.Equal(1, refused.MaxSeries);
        Assert.Equal(0, store.SeriesOwnedBy("key-a"));
    }

    [Fact]
    public void Drop_OwnedSeries_FreesTheQuotaAndTheBound()
    {
        // Arrange
        var store = new MetricStore(new MetricsOptions { MaxSeries = 100 }, new FakeTimeProvider(Start));
        var quota = new SeriesQuota("key-a", 1);
        store.Prepare([Gauge("a")], long.MinValue, quota).Commit();
        var series = store.Find("pod_cpu{pod=\"a\"}")!;

        // Act
        var dropped = store.Drop([series]);
        var again = store.Drop([series]);
        var next = store.Prepare([Gauge("b")], long.MinValue, quota);

        // Assert
        Assert.Equal(1, dropped);
        Assert.Equal(0, again);
        Assert.True(next.IsAccepted);
        Assert.Equal(1, store.SeriesCount);
        Assert.Equal(1, store.SeriesOwnedBy("key-a"));
        Assert.False(series.Record(1, Start.ToUnixTimeMilliseconds()));
    }

    [Fact]
    public void Prune_IdleOwnedSeriesEvicted_FreesItsOwnersQuota()
    {
        // Arrange
        var time = new FakeTimeProvider(Start);
        var store = new MetricStore(new MetricsOptions { MaxSeries = 100 }, time);
        var quota = new SeriesQuota("key-a", 1);
        store.Prepare([Gauge("a")], long.MinValue, quota).Commit();

        // Act: two hours later, every minute written, the series has had no point.
        for (var minute = 0; minute < 120; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            foreach (var series in store.AllSeries)
            {
                series.TakeDirtyRollups(store.NowMs - (store.NowMs % 60_000));
            }

            store.Prune();
        }

        // Assert
        Assert.Equal(0, store.SeriesOwnedBy("key-a"));
        Assert.Empty(store.SeriesByOwner());
        Assert.True(store.Prepare([Gauge("b") with { TimestampMs = store.NowMs }], long.MinValue, quota).IsAccepted);
    }

    [Fact]
    public void GetOrCreate_WithAnOwner_CountsAgainstItWithoutCheckingTheQuota()
    {
        // Arrange
        var store = new MetricStore(new MetricsOptions { MaxSeries = 100 }, new FakeTimeProvider(Start));

        // Act: restored series, more than a quota of 1 would allow.
        store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "a")]), MetricType.Gauge, "key-a");
        store.GetOrCreate("pod_cpu", LabelSet.From([new("pod", "b")]), MetricType.Gauge, "key-a");
        var refused = store.Prepare([Gauge("c")], long.MinValue, new SeriesQuota("key-a", 1));

        // Assert
        Assert.Equal(2, store.SeriesOwnedBy("key-a"));
        Assert.NotNull(refused.OverQuota);
    }
}
