namespace Vigil.Core.Limits;

/// <summary>The verdict of a shared destination limit.</summary>
public enum DestinationVerdict
{
    /// <summary>The breaker lets it through and a token was taken.</summary>
    Go,

    /// <summary>The breaker is open (or another process is probing it).</summary>
    BreakerOpen,

    /// <summary>The rate limit is reached.</summary>
    RateLimited,
}
