using System.Threading.RateLimiting;

namespace Vigil.Core.Limits;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/> (System.Threading.RateLimiting's own limiters
/// read the machine's clock, so tests could not move them). It holds <c>capacity</c> tokens and
/// refills at <c>tokensPerSecond</c>. Acquiring <c>n</c> permits succeeds when the bucket holds
/// <c>min(n, capacity)</c> tokens and takes <c>n</c> (a request larger than the bucket waits
/// for a full bucket and leaves it in debt); acquiring 0 asks whether one token is there. A
/// refused lease carries <see cref="MetadataName.RetryAfter"/>. No queue: waiting is the caller's.
/// </summary>
public sealed class ClockedTokenBucket : RateLimiter
{
    private readonly double _capacity;
    private readonly double _perSecond;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _updatedAt;

    /// <summary>A full bucket of <paramref name="capacity"/> tokens refilled at <paramref name="tokensPerSecond"/> on <paramref name="time"/>.</summary>
    public ClockedTokenBucket(int capacity, double tokensPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerSecond);
        ArgumentNullException.ThrowIfNull(time);
        _capacity = capacity;
        _perSecond = tokensPerSecond;
        _time = time;
        _tokens = capacity;
        _updatedAt = time.GetTimestamp();
    }

    /// <summary>How long the bucket has been full (a full bucket is the same as a new one), or null.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var elapsed = _time.GetElapsedTime(_updatedAt);
                var fullAfter = TimeSpan.FromSeconds(Math.Max(0, _capacity - _tokens) / _perSecond);
                return elapsed >= fullAfter ? elapsed - fullAfter : null;
            }
        }
    }

    /// <inheritdoc/>
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)Math.Floor(_tokens) };
        }
    }

    /// <inheritdoc/>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        lock (_lock)
        {
            Refill();
            var needed = Math.Min(Math.Max(permitCount, 1), _capacity);
            if (_tokens >= needed)
            {
                _tokens -= permitCount;
                return Lease.Granted;
            }

            var wait = TimeSpan.FromSeconds((needed - _tokens) / _perSecond);
            return new Lease(false, wait);
        }
    }

    /// <inheritdoc/>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_updatedAt, now);
        _updatedAt = now;
        if (elapsed > TimeSpan.Zero)
        {
            _tokens = Math.Min(_capacity, _tokens + (elapsed.TotalSeconds * _perSecond));
        }
    }

    private sealed class Lease(bool acquired, TimeSpan retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, TimeSpan.Zero);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => acquired ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (!acquired && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = retryAfter;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
