using System.Collections.Concurrent;
using Vigil.Core.Diagnostics;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// Refused relay calls, logged sampled so that a flood of bad calls cannot flood the log: the
/// first refusal of a client address in a minute is logged with the address, the slug and why;
/// the rest are counted, by reason, and logged as one line for the address once its minute has
/// ended (at the next refusal from anyone). Past <see cref="MaxAddresses"/> addresses at once,
/// the others share one sample, <see cref="OtherAddresses"/>.
/// </summary>
internal sealed partial class RelayRefusalLog(TimeProvider time, ILogger<RelayRefusalLog> logger)
{
    /// <summary>How many addresses are sampled apart at once.</summary>
    public const int MaxAddresses = 10_000;

    /// <summary>The sample the addresses beyond <see cref="MaxAddresses"/> share.</summary>
    public const string OtherAddresses = "other addresses";

    private static readonly TimeSpan SampleWindow = TimeSpan.FromMinutes(1);
    private static readonly int Reasons = Enum.GetValues<RelayRefusal>().Length;
    private readonly ConcurrentDictionary<string, Sample> _samples = new(StringComparer.Ordinal);
    private long _lastSweep = time.GetTimestamp();

    /// <summary>Notes a refused call from <paramref name="address"/> to <paramref name="slug"/>: logged if it is the address's first this minute, else counted.</summary>
    public void Refused(string address, string slug, RelayRefusal reason)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        var key = _samples.Count >= MaxAddresses && !_samples.ContainsKey(address) ? OtherAddresses : address;
        var sample = _samples.GetOrAdd(key, static (_, start) => new Sample(start, Reasons), now);
        lock (sample)
        {
            if (sample.Logged)
            {
                sample.Counts[(int)reason]++;
                return;
            }

            sample.Logged = true;
        }

        LogRefused(key, LogText.Encode(slug)!, reason);
    }

    /// <summary>Once a minute, logs the counts of the addresses whose minute has ended, and forgets them.</summary>
    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (time.GetElapsedTime(last, now) < SampleWindow || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (address, sample) in _samples)
        {
            lock (sample)
            {
                var age = time.GetElapsedTime(sample.Start, now);
                if (age < SampleWindow)
                {
                    continue;
                }

                _samples.TryRemove(new KeyValuePair<string, Sample>(address, sample));
                var c = sample.Counts;
                if (c.Sum() > 0)
                {
                    LogMoreRefused(
                        c.Sum(), address, (int)Math.Round(age.TotalSeconds), c[(int)RelayRefusal.WrongSecret], c[(int)RelayRefusal.UnknownSlug],
                        c[(int)RelayRefusal.LockedOut], c[(int)RelayRefusal.RateLimited], c[(int)RelayRefusal.TooLarge], c[(int)RelayRefusal.NotJson], c[(int)RelayRefusal.StorageFull]);
                }
            }
        }
    }

    [LoggerMessage(EventId = 5121, Level = LogLevel.Warning, Message = "Relay call to {Slug} from {ClientAddress} refused: {Reason} (further refusals from this address are counted, not logged, for a minute)")]
    private partial void LogRefused(string clientAddress, string slug, RelayRefusal reason);

    [LoggerMessage(EventId = 5122, Level = LogLevel.Warning, Message = "{Refused} more relay calls refused from {ClientAddress} in the last {Seconds} s: {WrongSecret} wrong secret, {UnknownSlug} unknown slug, {LockedOut} locked out, {RateLimited} rate-limited, {TooLarge} too large, {NotJson} not JSON, {StorageFull} storage full")]
    private partial void LogMoreRefused(int refused, string clientAddress, int seconds, int wrongSecret, int unknownSlug, int lockedOut, int rateLimited, int tooLarge, int notJson, int storageFull);

    private sealed class Sample(long start, int reasons)
    {
        public long Start { get; } = start;

        public bool Logged { get; set; }

        public int[] Counts { get; } = new int[reasons];
    }
}
