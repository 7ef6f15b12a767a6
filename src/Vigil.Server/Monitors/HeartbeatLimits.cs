using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Core.Limits;
using Vigil.Monitoring;

namespace Vigil.Server.Monitors;

/// <summary>
/// The limits of the anonymous check-in endpoint, clocked token buckets per partition: check-ins
/// with an unknown token per client address (against guessing tokens), and check-ins per monitor.
/// </summary>
internal sealed class HeartbeatLimits : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly PartitionedRateLimiter<string> _monitors;

    public HeartbeatLimits(IOptions<MonitoringOptions> options, TimeProvider time)
    {
        _failures = ClockedRateLimiter.PerPartition<string>(options.Value.FailedHeartbeatsPerMinute, Minute, time);
        _monitors = ClockedRateLimiter.PerPartition<string>(options.Value.HeartbeatsPerMinute, Minute, time);
    }

    /// <summary>Whether the address may still try (its failed check-ins are under the limit); counts nothing.</summary>
    public bool MayTry(string address, out TimeSpan retryAfter) => _failures.TryAcquire(address, 0, out retryAfter);

    /// <summary>Counts a check-in with an unknown token.</summary>
    public void CountFailure(string address) => _failures.TryAcquire(address, 1, out _);

    /// <summary>Counts a check-in of a monitor; false when over its limit.</summary>
    public bool TryCheckIn(string monitorId, out TimeSpan retryAfter) => _monitors.TryAcquire(monitorId, 1, out retryAfter);

    public void Dispose()
    {
        _failures.Dispose();
        _monitors.Dispose();
    }
}
