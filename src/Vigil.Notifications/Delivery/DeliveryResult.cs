namespace Vigil.Notifications;

/// <summary>How a delivery attempt ended, and what the job runner should do next.</summary>
public enum DeliveryStatus
{
    /// <summary>The destination accepted it: complete the job.</summary>
    Delivered,

    /// <summary>It may work later (5xx, 429, timeout, connection error): retry, after <see cref="DeliveryResult.RetryAfter"/> when set.</summary>
    RetryableFailure,

    /// <summary>It will not work as it is (4xx, redirect, refused destination, bad settings): dead-letter it.</summary>
    PermanentFailure,

    /// <summary>The destination answered 410 Gone: dead-letter it and disable the channel.</summary>
    Gone,

    /// <summary>
    /// Not attempted: the destination's circuit breaker is open or its rate limit is full. Try again later
    /// (after <see cref="DeliveryResult.RetryAfter"/>) without counting an attempt.
    /// </summary>
    ShortCircuited,
}

/// <summary>The outcome of one delivery attempt.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Error">Why it failed, for the delivery log (never a secret); <see langword="null"/> when delivered.</param>
/// <param name="HttpStatus">The destination's HTTP status, when it answered one.</param>
/// <param name="RetryAfter">How long the destination (or the breaker) asked to wait, when it did.</param>
/// <param name="Duration">How long the attempt took.</param>
public sealed record DeliveryResult(DeliveryStatus Status, string? Error, int? HttpStatus, TimeSpan? RetryAfter, TimeSpan Duration)
{
    /// <summary>Gets a value indicating whether the destination accepted it.</summary>
    public bool IsDelivered => Status == DeliveryStatus.Delivered;

    /// <summary>Gets a value indicating whether this attempt counts against the job's attempts.</summary>
    public bool CountsAsAttempt => Status != DeliveryStatus.ShortCircuited;

    internal static DeliveryResult Delivered(TimeSpan duration, int? httpStatus = null) => new(DeliveryStatus.Delivered, null, httpStatus, null, duration);

    internal static DeliveryResult Retryable(string error, TimeSpan duration, int? httpStatus = null, TimeSpan? retryAfter = null) =>
        new(DeliveryStatus.RetryableFailure, error, httpStatus, retryAfter, duration);

    internal static DeliveryResult Permanent(string error, TimeSpan duration, int? httpStatus = null) =>
        new(DeliveryStatus.PermanentFailure, error, httpStatus, null, duration);
}
