namespace Vigil.Notifications.Resilience;

/// <summary>The state of a destination's circuit breaker.</summary>
public enum BreakerState
{
    /// <summary><c>closed</c>: attempts go through.</summary>
    Closed,

    /// <summary><c>open</c>: attempts are short-circuited until the break ends.</summary>
    Open,

    /// <summary><c>half_open</c>: the break is over; the next attempt is a probe that closes or re-opens it.</summary>
    HalfOpen,
}
