namespace Vigil.Core.Limits;

/// <summary>
/// A destination's circuit breaker and rate limit held where every process sharing the database
/// sees them (PostgreSQL, or Redis when configured), so that N processes send no faster than the
/// configured rate and a broken destination is tried by no more than the breaker allows, in all.
/// </summary>
public interface IDestinationLimits
{
    /// <summary>
    /// Before an attempt: whether the destination's breaker lets it through (closed, or half-open
    /// and this attempt is the one probe) and a token of its bucket is free (then taken).
    /// </summary>
    /// <param name="destination">The destination's key.</param>
    /// <param name="permits">The bucket's size, refilled by that many every <paramref name="period"/>.</param>
    /// <param name="period">The bucket's refill period.</param>
    /// <param name="breakDuration">How long an open breaker stays open before one probe may go.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<DestinationGate> EnterAsync(string destination, int permits, TimeSpan period, TimeSpan breakDuration, CancellationToken cancellationToken);

    /// <summary>
    /// After an attempt: a retryable failure counts towards opening the breaker (it opens at the
    /// <paramref name="threshold"/>th in a row, or again after a failed probe); an answer closes it.
    /// </summary>
    ValueTask RecordAsync(string destination, bool failed, int threshold, TimeSpan breakDuration, CancellationToken cancellationToken);
}
