namespace Vigil.Notifications.Delivery;

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
