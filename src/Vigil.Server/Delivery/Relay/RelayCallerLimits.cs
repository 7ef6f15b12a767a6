using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Relay;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// The relay's rate limits, partitioned limiters of <c>System.Threading.RateLimiting</c>: failed
/// calls (wrong or missing secret, unknown slug) per client address, and authenticated calls per
/// client address, then per endpoint. Credentials are checked before a call counts against an
/// endpoint, so someone who knows only a slug cannot use up its sender's share.
/// </summary>
internal sealed class RelayCallerLimits : IDisposable
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly RelayOptions _options;
    private readonly PartitionedRateLimiter<string> _failures;
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _endpoints;

    public RelayCallerLimits(IOptions<RelayOptions> options)
    {
        _options = options.Value;
        _failures = FixedWindow(_options.FailedAttemptsPerMinute, Minute);
        _addresses = FixedWindow(_options.AddressRequestsPerMinute, Minute);
        _endpoints = FixedWindow(_options.RequestsPerSecond, Second);
    }

    /// <summary>
    /// The partition of a client: its address, an IPv6 one by its /64 (one host's share; a host
    /// usually holds a whole /64), or <c>unknown</c>.
    /// </summary>
    public static string AddressOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Connection.RemoteIpAddress is not { } address)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Whether the address may still try (its failed calls are under the limit); counts nothing.</summary>
    public bool MayTry(string address, out TimeSpan retryAfter) => Acquire(_failures, Minute, address, 0, out retryAfter);

    /// <summary>Counts a failed call of the address.</summary>
    public void CountFailure(string address)
    {
        using var lease = _failures.AttemptAcquire(address);
    }

    /// <summary>Counts an authenticated call against its address, then (if the address is under its limit) its endpoint.</summary>
    /// <returns>Null when the call may go on; else the setting whose limit it hit.</returns>
    public string? TryCall(string address, string endpointId, out TimeSpan retryAfter) =>
        !Acquire(_addresses, Minute, address, 1, out retryAfter) ? $"{RelayOptions.Section}:{nameof(RelayOptions.AddressRequestsPerMinute)} ({_options.AddressRequestsPerMinute}) from one address"
        : !Acquire(_endpoints, Second, endpointId, 1, out retryAfter) ? $"{RelayOptions.Section}:{nameof(RelayOptions.RequestsPerSecond)} ({_options.RequestsPerSecond}) to one endpoint"
        : null;

    public void Dispose()
    {
        _failures.Dispose();
        _addresses.Dispose();
        _endpoints.Dispose();
    }

    private static bool Acquire(PartitionedRateLimiter<string> limiter, TimeSpan window, string key, int permits, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(key, permits);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : window;
        return lease.IsAcquired;
    }

    private static PartitionedRateLimiter<string> FixedWindow(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(
            key, _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 }));
}
