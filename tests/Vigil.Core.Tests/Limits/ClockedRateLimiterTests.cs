using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Limits;

namespace Vigil.Core.Tests.Limits;

/// <summary>The clocked buckets every per-client limit uses: bursts, refill on the fake clock, partitions apart.</summary>
public sealed class ClockedRateLimiterTests
{
    [Fact]
    public void PerPartition_PermitsPerWindow_BurstThenRefusedUntilTheClockRefills()
    {
        var time = new FakeTimeProvider();
        using var limiter = ClockedRateLimiter.PerPartition<string>(3, TimeSpan.FromMinutes(1), time);

        var burst = Enumerable.Range(0, 3).Select(i => limiter.TryAcquire("203.0.113.7", 1, out _)).ToList();
        var refused = limiter.TryAcquire("203.0.113.7", 1, out var wait);
        var otherPartition = limiter.TryAcquire("198.51.100.2", 1, out _);
        time.Advance(TimeSpan.FromSeconds(19));
        var stillRefused = limiter.TryAcquire("203.0.113.7", 1, out _);
        time.Advance(TimeSpan.FromSeconds(1));
        var refilled = limiter.TryAcquire("203.0.113.7", 1, out _);

        Assert.All(burst, Assert.True);
        Assert.False(refused);
        Assert.Equal(TimeSpan.FromSeconds(20), wait);
        Assert.True(otherPartition);
        Assert.False(stillRefused);
        Assert.True(refilled);
    }

    [Fact]
    public void TryAcquire_ZeroPermits_AsksWithoutTaking()
    {
        var time = new FakeTimeProvider();
        using var limiter = ClockedRateLimiter.PerPartition<string>(1, TimeSpan.FromSeconds(1), time);

        var asked = Enumerable.Range(0, 5).Select(i => limiter.TryAcquire("a", 0, out _)).ToList();
        var taken = limiter.TryAcquire("a", 1, out _);
        var empty = limiter.TryAcquire("a", 0, out var wait);

        Assert.All(asked, Assert.True);
        Assert.True(taken);
        Assert.False(empty);
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
    }

    [Fact]
    public void PerPartition_SizeFromThePartition_EachPartitionItsOwnBucket()
    {
        var time = new FakeTimeProvider();
        using var limiter = ClockedRateLimiter.PerPartition<(string Key, int PerSecond)>(k => (k.PerSecond, k.PerSecond), time);

        Assert.True(limiter.TryAcquire(("a", 10), 10, out _));
        Assert.False(limiter.TryAcquire(("a", 10), 1, out _));
        Assert.True(limiter.TryAcquire(("a", 20), 20, out _));
    }
}
