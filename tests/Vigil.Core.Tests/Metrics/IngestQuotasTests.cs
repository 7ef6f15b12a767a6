using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>Each holder's quotas: its own or the defaults, a points-per-second bucket on the clock, and who owns the series.</summary>
public sealed class IngestQuotasTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null, 500, 100)]
    [InlineData(20L, 7L, 20, 7)]
    [InlineData(0L, 500_000_000L, 1, IngestQuotas.MaxQuota)]
    public void QuotaOf_OwnOrDefault_ClampedToTheAllowedRange(long? series, long? perSecond, int expectedSeries, int expectedPerSecond)
    {
        using var quotas = new IngestQuotas(500, 100, new FakeTimeProvider(Start));
        var holder = new QuotaHolder("key-a", series, perSecond);

        Assert.Equal(expectedSeries, quotas.SeriesQuotaOf(holder));
        Assert.Equal(expectedPerSecond, quotas.PointsPerSecondOf(holder));
        Assert.Equal(new SeriesQuota("key-a", expectedSeries), quotas.SeriesQuotaFor(holder));
    }

    [Fact]
    public void TryAdmit_OverTheRate_RefusedWithTheWaitUntilTheClockRefillsIt()
    {
        var time = new FakeTimeProvider(Start);
        using var quotas = new IngestQuotas(500, 10, time);
        var a = new QuotaHolder("key-a", null, null);

        var first = quotas.TryAdmit(a, 10, out _);
        var over = quotas.TryAdmit(a, 5, out var wait);
        var other = quotas.TryAdmit(new QuotaHolder("key-b", null, null), 10, out _);
        time.Advance(wait);
        var later = quotas.TryAdmit(a, 5, out _);

        Assert.True(first);
        Assert.False(over);
        Assert.Equal(TimeSpan.FromSeconds(0.5), wait);
        Assert.True(other);
        Assert.True(later);
    }

    [Fact]
    public void TryAdmit_NoHolder_NotLimited()
    {
        using var quotas = new IngestQuotas(500, 1, new FakeTimeProvider(Start));

        Assert.True(quotas.TryAdmit(null, 1_000_000, out var wait));
        Assert.Equal(TimeSpan.Zero, wait);
        Assert.Null(quotas.SeriesQuotaFor(null));
    }

    [Fact]
    public void Ownership_SeriesPerOwnerAndTheUnownedRest()
    {
        var store = new MetricStore(new MetricsOptions { MaxSeries = 100 }, new FakeTimeProvider(Start));
        store.Prepare([Gauge("a"), Gauge("b")], long.MinValue, new SeriesQuota("key-a", 10)).Commit();
        store.Prepare([Gauge("c")], long.MinValue, new SeriesQuota("key-b", 10)).Commit();
        store.Prepare([Gauge("d")], long.MinValue).Commit();

        var ownership = store.Ownership();

        Assert.Equal((4, 100, 1), (ownership.Total, ownership.MaxSeries, ownership.Unowned));
        Assert.Equal((2, 1, 0), (ownership.Of("key-a"), ownership.Of("key-b"), ownership.Of("key-c")));
    }

    private static MetricPoint Gauge(string pod) =>
        new("pod_cpu", MetricType.Gauge, 1, LabelSet.From([new("pod", pod)]), Start.ToUnixTimeMilliseconds());
}
