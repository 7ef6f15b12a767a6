using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Queries;

/// <summary>
/// The slots heavy reads run in: at most <see cref="QueryOptions.MaxConcurrent"/> at once, up to
/// <see cref="QueryOptions.MaxQueued"/> waiting (oldest first). Only the endpoints marked with
/// <see cref="QueryLimitsMetadata"/> take a slot; ingest and alert evaluation never do, so a
/// burst of queries leaves them their share of the CPU.
/// </summary>
internal sealed class QueryGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public QueryGate(IOptions<QueryOptions> options)
    {
        Options = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Options.MaxConcurrent,
            QueueLimit = Options.MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The limits in force.</summary>
    public QueryOptions Options { get; }

    /// <summary>Queries running now.</summary>
    public long Running => Options.MaxConcurrent - (_limiter.GetStatistics()?.CurrentAvailablePermits ?? Options.MaxConcurrent);

    /// <summary>Queries waiting for a slot now.</summary>
    public long Queued => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>
    /// A slot, waiting in the queue when every slot is busy; a lease that is not
    /// <see cref="RateLimitLease.IsAcquired"/> when the queue is full too. Dispose the lease to free the slot.
    /// </summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken) => _limiter.AcquireAsync(1, cancellationToken);

    public void Dispose() => _limiter.Dispose();
}
