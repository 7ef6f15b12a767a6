using System.Threading.RateLimiting;

namespace Vigil.Core.Limits;

/// <summary>
/// The one way Vigil limits a rate per client, key or endpoint: a
/// <see cref="PartitionedRateLimiter{TResource}"/> of <see cref="ClockedTokenBucket"/>s, one per
/// partition, on a <see cref="TimeProvider"/> (so tests move the clock instead of waiting).
/// Idle partitions (full buckets) are dropped by the partitioned limiter.
/// </summary>
public static class ClockedRateLimiter
{
    /// <summary>
    /// A bucket of <paramref name="permits"/> per <paramref name="window"/> for each partition:
    /// bursts up to <paramref name="permits"/>, refilled evenly over the window.
    /// </summary>
    public static PartitionedRateLimiter<TKey> PerPartition<TKey>(int permits, TimeSpan window, TimeProvider time)
        where TKey : notnull
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        var perSecond = permits / window.TotalSeconds;
        return PartitionedRateLimiter.Create<TKey, TKey>(key => RateLimitPartition.Get(key, _ => new ClockedTokenBucket(permits, perSecond, time)));
    }

    /// <summary>A bucket per partition whose size and rate the partition itself says (<paramref name="limitOf"/>: capacity, tokens per second).</summary>
    public static PartitionedRateLimiter<TKey> PerPartition<TKey>(Func<TKey, (int Capacity, double PerSecond)> limitOf, TimeProvider time)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(limitOf);
        ArgumentNullException.ThrowIfNull(time);
        return PartitionedRateLimiter.Create<TKey, TKey>(key => RateLimitPartition.Get(key, k =>
        {
            var (capacity, perSecond) = limitOf(k);
            return new ClockedTokenBucket(capacity, perSecond, time);
        }));
    }

    /// <summary>Takes <paramref name="permits"/> (0: asks whether one is there); false with how long to wait when refused.</summary>
    public static bool TryAcquire<TKey>(this PartitionedRateLimiter<TKey> limiter, TKey key, int permits, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        using var lease = limiter.AttemptAcquire(key, permits);
        retryAfter = !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;
        return lease.IsAcquired;
    }
}
