namespace Vigil.Delivery.Relay;

/// <summary>How a relay call went by the time it answered.</summary>
/// <param name="RequestId">The request in the log.</param>
/// <param name="Total">Integrations it goes to.</param>
/// <param name="Successful">Delivered at the first attempt (the rest stay queued for retry).</param>
public sealed record RelayOutcome(string RequestId, int Total, int Successful)
{
    /// <summary>Not delivered yet: failed, or still running when the wait ended.</summary>
    public int Failed => Total - Successful;

    /// <summary><c>delivered</c>, <c>partial</c> or <c>failed</c>.</summary>
    public string Status => Failed == 0 ? "delivered" : Successful == 0 ? "failed" : "partial";
}
