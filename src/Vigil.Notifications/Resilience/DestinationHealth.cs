namespace Vigil.Notifications.Resilience;

/// <summary>The circuit breaker of one destination, for the API and metrics.</summary>
/// <param name="Destination">The destination with its secrets masked, and a short hash that tells destinations apart (<c>https://hooks.slack.com/******** #1a2b3c4d</c>).</param>
/// <param name="State">The breaker's state.</param>
/// <param name="ConsecutiveFailures">Failed attempts since the last success.</param>
/// <param name="OpenedAt">When the breaker last opened, while it is not closed.</param>
/// <param name="RetryAt">When an open breaker lets a probe through.</param>
public sealed record DestinationHealth(string Destination, BreakerState State, int ConsecutiveFailures, DateTimeOffset? OpenedAt, DateTimeOffset? RetryAt)
{
    /// <summary>Gets the wire name of <see cref="State"/>: <c>closed</c>, <c>open</c> or <c>half_open</c>.</summary>
    public string StateName => State switch
    {
        BreakerState.Closed => "closed",
        BreakerState.Open => "open",
        _ => "half_open",
    };
}
