namespace Vigil.Jobs.Queue;

/// <summary>A job a worker claimed: it holds the lease until it completes, retries, postpones or releases it.</summary>
/// <remarks>
/// (<see cref="Id"/>, owner, <see cref="Attempts"/>) identifies one claim: a stale worker whose lease
/// ran out and whose job was claimed again cannot complete it.
/// </remarks>
internal sealed record ClaimedJob(
    long Id,
    string Type,
    int Priority,
    string Payload,
    string? IdempotencyKey,
    string? ConcurrencyKey,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset RunAt,
    DateTimeOffset CreatedAt,
    string? LastError);
