using Vigil.Core.Limits;

namespace Vigil.Storage.Limits;

/// <summary>Turns what a shared limit's store answered into a <see cref="DestinationGate"/>.</summary>
internal static class DestinationGates
{
    /// <param name="verdict">0 go, 1 breaker open, 2 rate limited.</param>
    /// <param name="openUntilMs">When the breaker may let a probe through, or null when it is closed.</param>
    /// <param name="tokens">The tokens left.</param>
    /// <param name="nowMs">The time of the call.</param>
    /// <param name="perMs">The refill rate.</param>
    public static DestinationGate Of(int verdict, long? openUntilMs, double tokens, long nowMs, double perMs) => verdict switch
    {
        0 => DestinationGate.Go,
        1 => new DestinationGate(DestinationVerdict.BreakerOpen, TimeSpan.FromMilliseconds(Math.Max(0, (openUntilMs ?? nowMs) - nowMs))),
        _ => new DestinationGate(DestinationVerdict.RateLimited, TimeSpan.FromMilliseconds(Math.Ceiling(Math.Max(0, 1 - tokens) / perMs))),
    };
}
