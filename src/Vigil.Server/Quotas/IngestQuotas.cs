using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Server.Http;
using Vigil.Storage.Keys;

namespace Vigil.Server.Quotas;

/// <summary>
/// The quotas of the key behind an ingest request: its series quota (checked by the store when
/// a batch creates series) and its points-per-second rate, one token bucket per key in a
/// <see cref="PartitionedRateLimiter{TResource}"/> partitioned by key id (and the key's rate).
/// </summary>
internal sealed class IngestQuotas : IDisposable
{
    private readonly QuotaOptions _options;
    private readonly PartitionedRateLimiter<RateSubject> _rates;

    public IngestQuotas(IOptions<QuotaOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _rates = PartitionedRateLimiter.Create<RateSubject, RateSubject>(subject =>
            RateLimitPartition.Get(subject, s => new ClockedTokenBucket(s.PerSecond, s.PerSecond, time)));
    }

    /// <summary>The series quota in force for a key (its own, or the default).</summary>
    public int SeriesQuotaOf(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SeriesQuota is { } own ? (int)Math.Clamp(own, 1, QuotaOptions.MaxQuota) : _options.SeriesPerKey;
    }

    /// <summary>The points-per-second quota in force for a key (its own, or the default).</summary>
    public int PointsPerSecondOf(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.PointsPerSecondQuota is { } own ? (int)Math.Clamp(own, 1, QuotaOptions.MaxQuota) : _options.PointsPerSecondPerKey;
    }

    /// <summary>The store's view of a key's series quota; null for a request without a key.</summary>
    public SeriesQuota? SeriesQuotaFor(ApiKeyRecord? key) => key is null ? null : new SeriesQuota(key.Id, SeriesQuotaOf(key));

    /// <summary>
    /// Takes <paramref name="points"/> from the key's rate; false with the seconds to wait when
    /// the key is over it. A request without a key is not limited here.
    /// </summary>
    public bool TryAdmit(ApiKeyRecord? key, int points, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (key is null)
        {
            return true;
        }

        using var lease = _rates.AttemptAcquire(new RateSubject(key.Id, PointsPerSecondOf(key)), points);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfterSeconds = RetryAfter.Seconds(lease);
        return false;
    }

    public void Dispose() => _rates.Dispose();

    private readonly record struct RateSubject(string KeyId, int PerSecond);
}
