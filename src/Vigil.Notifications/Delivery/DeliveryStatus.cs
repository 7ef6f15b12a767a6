namespace Vigil.Notifications.Delivery;

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
