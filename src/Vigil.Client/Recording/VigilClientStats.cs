namespace Vigil.Client;

/// <summary>
/// A snapshot of the client's delivery counters, for health checks and diagnostics.
/// Each count covers metric points, job executions, spans and error events together.
/// </summary>
public readonly record struct VigilClientStats
{
    /// <summary>Gets the number of items Vigil accepted.</summary>
    public long Sent { get; init; }

    /// <summary>
    /// Gets the number of items that will never be sent: invalid input, the oldest items pushed
    /// out of a full buffer, batches Vigil rejected (400, 401, 403, 413, 422...) and items still
    /// buffered when the shutdown flush ran out of time.
    /// </summary>
    public long Dropped { get; init; }

    /// <summary>Gets the number of items waiting in memory, including a batch being sent or retried.</summary>
    public long Buffered { get; init; }

    /// <summary>Gets the number of HTTP requests to Vigil that did not succeed (errors, timeouts, non-2xx answers).</summary>
    public long FailedAttempts { get; init; }
}
