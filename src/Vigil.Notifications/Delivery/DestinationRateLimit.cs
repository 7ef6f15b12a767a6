namespace Vigil.Notifications.Delivery;

/// <summary>
/// The rate limit of one destination: a token bucket of <see cref="Permits"/> attempts, refilled by
/// that many every <see cref="Period"/>. Attempts past it wait in a queue of
/// <see cref="DeliveryOptions.RateLimitQueue"/>, then are short-circuited and retried later.
/// </summary>
public sealed class DestinationRateLimit
{
    /// <summary>The most accepted <see cref="Permits"/>.</summary>
    public const int MaxPermits = 10_000;

    /// <summary>Gets or sets how many attempts the destination gets per <see cref="Period"/> (also the largest burst).</summary>
    /// <value>Set per channel type in <see cref="DestinationRateLimits"/>. Between 1 and 10 000.</value>
    public int Permits { get; set; } = 1;

    /// <summary>Gets or sets the period of <see cref="Permits"/>.</summary>
    /// <value>1 second unless the channel type's default says otherwise. Between 1 millisecond and 1 day.</value>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    internal static DestinationRateLimit Of(int permits, TimeSpan period) => new() { Permits = permits, Period = period };
}
