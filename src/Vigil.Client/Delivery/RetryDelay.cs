using System.Net.Http.Headers;

namespace Vigil.Client;

/// <summary>
/// How long to wait before the next attempt to deliver a batch: exponential backoff from
/// <see cref="InitialDelay"/> with "equal jitter" (a random point in the upper half of the step,
/// so clients that failed together do not retry together), never more than the configured maximum;
/// a server's <c>Retry-After</c> is a floor (capped by the same maximum).
/// </summary>
internal static class RetryDelay
{
    public static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(1);

    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, if it sent one.</param>
    /// <param name="maxDelay">The longest wait.</param>
    /// <param name="jitter">A random number in [0, 1).</param>
    public static TimeSpan Compute(int attempt, TimeSpan? retryAfter, TimeSpan maxDelay, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);

        double stepMs = Math.Min(
            InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)),
            maxDelay.TotalMilliseconds);
        var backoff = TimeSpan.FromMilliseconds((stepMs / 2) + (stepMs / 2 * Math.Clamp(jitter, 0, 1)));

        if (retryAfter is { } serverDelay && serverDelay > backoff)
        {
            return serverDelay < maxDelay ? serverDelay : maxDelay;
        }

        return backoff;
    }

    /// <summary>Reads <c>Retry-After</c> as a delay from <paramref name="now"/>, or <see langword="null"/> when absent.</summary>
    public static TimeSpan? ReadRetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var delay = date - now;
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }

        return null;
    }
}
