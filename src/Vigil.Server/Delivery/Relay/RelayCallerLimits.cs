using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Core.Limits;
using Vigil.Delivery.Relay;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// The relay's rate limits, clocked token buckets per partition (<see cref="ClockedRateLimiter"/>):
/// failed calls (wrong or missing secret, unknown slug) per client address, and authenticated
/// calls per client address, then per endpoint. Credentials are checked before a call counts
/// against an endpoint, so someone who knows only a slug cannot use up its sender's share.
/// Client addresses are partitioned as <see cref="Auth.ClientAddress"/> names them.
/// </summary>
internal sealed class RelayCallerLimits : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly RelayOptions _options;
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _endpoints;

    public RelayCallerLimits(IOptions<RelayOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _failures = ClockedRateLimiter.PerPartition<string>(_options.FailedAttemptsPerMinute, Minute, time);
        _addresses = ClockedRateLimiter.PerPartition<string>(_options.AddressRequestsPerMinute, Minute, time);
        _endpoints = ClockedRateLimiter.PerPartition<string>(_options.RequestsPerSecond, Second, time);
    }

    /// <summary>Whether the address may still try (its failed calls are under the limit); counts nothing.</summary>
    public bool MayTry(string address, out TimeSpan retryAfter) => _failures.TryAcquire(address, 0, out retryAfter);

    /// <summary>Counts a failed call of the address.</summary>
    public void CountFailure(string address) => _failures.TryAcquire(address, 1, out _);

    /// <summary>Counts an authenticated call against its address, then (if the address is under its limit) its endpoint.</summary>
    /// <returns>Null when the call may go on; else the setting whose limit it hit.</returns>
    public string? TryCall(string address, string endpointId, out TimeSpan retryAfter) =>
        !_addresses.TryAcquire(address, 1, out retryAfter) ? $"{RelayOptions.Section}:{nameof(RelayOptions.AddressRequestsPerMinute)} ({_options.AddressRequestsPerMinute}) from one address"
        : !_endpoints.TryAcquire(endpointId, 1, out retryAfter) ? $"{RelayOptions.Section}:{nameof(RelayOptions.RequestsPerSecond)} ({_options.RequestsPerSecond}) to one endpoint"
        : null;

    public void Dispose()
    {
        _failures.Dispose();
        _addresses.Dispose();
        _endpoints.Dispose();
    }
}
