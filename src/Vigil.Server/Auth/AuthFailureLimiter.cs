using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Core.Limits;
using Vigil.Dashboard.Auth;
using Vigil.Server.Http;

namespace Vigil.Server.Auth;

/// <summary>
/// Failed authentications per client address: a token bucket per address
/// (<see cref="AuthOptions.FailuresPerAddress"/> per <see cref="AuthOptions.FailureWindow"/>)
/// that, once empty, refuses the address's requests with 429 before any key is looked up; and
/// the failures logged sampled — the first of an address per minute with its address, then
/// one count of the rest — so guessing keys cannot flood the log. The dashboard's sign-in
/// counts its wrong passwords here too (<see cref="ISignInLimiter"/>): one budget per address.
/// </summary>
internal sealed partial class AuthFailureLimiter : ISignInLimiter, IDisposable
{
    private static readonly TimeSpan SampleWindow = TimeSpan.FromMinutes(1);
    private const int MaxSampledAddresses = 10_000;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeProvider _time;
    private readonly ILogger<AuthFailureLimiter> _logger;
    private readonly ConcurrentDictionary<string, Sample> _samples = new(StringComparer.Ordinal);
    private long _lastSweep;

    public AuthFailureLimiter(IOptions<AuthOptions> options, TimeProvider time, ILogger<AuthFailureLimiter> logger)
    {
        _limiter = ClockedRateLimiter.PerPartition<string>(options.Value.FailuresPerAddress, options.Value.FailureWindow, time);
        _time = time;
        _logger = logger;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>Whether the address may try a key now; when not, the seconds until it may (and the refusal is logged, sampled).</summary>
    public bool MayTry(string address, out int retryAfterSeconds)
    {
        if (_limiter.TryAcquire(address, 0, out var wait))
        {
            retryAfterSeconds = 0;
            return true;
        }

        retryAfterSeconds = RetryAfter.Seconds(wait);
        Note(address, refused: true, "refused: too many failed attempts");
        return false;
    }

    /// <summary>Counts a failed authentication against the address and logs it, sampled.</summary>
    public void Failed(string address, string reason = "unknown or revoked key")
    {
        _limiter.TryAcquire(address, 1, out _);
        Note(address, refused: false, reason);
    }

    bool ISignInLimiter.MayTry(HttpContext context, out int retryAfterSeconds) => MayTry(ClientAddress.Of(context), out retryAfterSeconds);

    void ISignInLimiter.Failed(HttpContext context) => Failed(ClientAddress.Of(context), "wrong dashboard user name or password");

    public void Dispose() => _limiter.Dispose();

    private void Note(string address, bool refused, string reason)
    {
        var now = _time.GetTimestamp();
        SweepIfDue(now);
        if (_samples.Count >= MaxSampledAddresses && !_samples.ContainsKey(address))
        {
            // Many addresses at once: their counts are not kept, but each first failure still is logged.
            LogFailure(address, reason);
            return;
        }

        var sample = _samples.GetOrAdd(address, static (_, start) => new Sample(start), now);
        lock (sample)
        {
            if (!sample.Logged)
            {
                sample.Logged = true;
                LogFailure(address, reason);
            }
            else
            {
                sample.More++;
                if (refused)
                {
                    sample.Refused++;
                }
            }
        }
    }

    /// <summary>Once a minute, logs the counts of the addresses whose sample minute has ended and forgets them.</summary>
    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (_time.GetElapsedTime(last, now) < SampleWindow || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (address, sample) in _samples)
        {
            lock (sample)
            {
                if (_time.GetElapsedTime(sample.Start, now) < SampleWindow)
                {
                    continue;
                }

                if (sample.More > 0)
                {
                    LogMoreFailures(address, sample.More, sample.Refused, (int)Math.Round(_time.GetElapsedTime(sample.Start, now).TotalSeconds));
                }

                _samples.TryRemove(new KeyValuePair<string, Sample>(address, sample));
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Authentication failed from {ClientAddress}: {Reason} (further failures from this address are counted, not logged, for a minute)")]
    private partial void LogFailure(string clientAddress, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Authentication failed {Failures} more times from {ClientAddress} in the last {Seconds} s ({Refused} of them refused as rate-limited)")]
    private partial void LogMoreFailures(string clientAddress, int failures, int refused, int seconds);

    private sealed class Sample(long start)
    {
        public long Start { get; } = start;

        public bool Logged { get; set; }

        public int More { get; set; }

        public int Refused { get; set; }
    }
}
