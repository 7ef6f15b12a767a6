using System.Threading.RateLimiting;
using Vigil.Core.Limits;

namespace Vigil.Core.Metrics;

/// <summary>
/// The ingest quotas of each <see cref="QuotaHolder"/> (an API key): its series quota, checked by
/// <see cref="MetricStore"/> when a batch creates series, and its points-per-second rate,
/// one <see cref="ClockedTokenBucket"/> per holder (and rate) holding one second's worth.
/// </summary>
public sealed class IngestQuotas : IDisposable
{
    /// <summary>The largest quota a setting or a key may name (series or points per second).</summary>
    public const int MaxQuota = 100_000_000;

    private readonly int _seriesPerHolder;
    private readonly int _pointsPerSecond;
    private readonly PartitionedRateLimiter<RateSubject> _rates;

    /// <summary>Quotas with these defaults for a holder without its own.</summary>
    /// <param name="seriesPerHolder">The default series quota.</param>
    /// <param name="pointsPerSecond">The default points-per-second quota.</param>
    /// <param name="time">The clock the rate buckets refill on.</param>
    public IngestQuotas(int seriesPerHolder, int pointsPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seriesPerHolder, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerSecond, 1);
        _seriesPerHolder = seriesPerHolder;
        _pointsPerSecond = pointsPerSecond;
        _rates = ClockedRateLimiter.PerPartition<RateSubject>(s => (s.PerSecond, s.PerSecond), time);
    }

    /// <summary>The series quota in force for a holder (its own, or the default).</summary>
    public int SeriesQuotaOf(QuotaHolder holder) =>
        holder.SeriesQuota is { } own ? (int)Math.Clamp(own, 1, MaxQuota) : _seriesPerHolder;

    /// <summary>The points-per-second quota in force for a holder (its own, or the default).</summary>
    public int PointsPerSecondOf(QuotaHolder holder) =>
        holder.PointsPerSecondQuota is { } own ? (int)Math.Clamp(own, 1, MaxQuota) : _pointsPerSecond;

    /// <summary>The store's view of a holder's series quota; null for a request without one.</summary>
    public SeriesQuota? SeriesQuotaFor(QuotaHolder? holder) => holder is { } h ? new SeriesQuota(h.Id, SeriesQuotaOf(h)) : null;

    /// <summary>
    /// Takes <paramref name="points"/> from the holder's rate; false with how long to wait when
    /// the holder is over it. A request without a holder is not limited here.
    /// </summary>
    public bool TryAdmit(QuotaHolder? holder, int points, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return holder is not { } h || _rates.TryAcquire(new RateSubject(h.Id, PointsPerSecondOf(h)), points, out retryAfter);
    }

    /// <inheritdoc/>
    public void Dispose() => _rates.Dispose();

    private readonly record struct RateSubject(string Id, int PerSecond);
}
