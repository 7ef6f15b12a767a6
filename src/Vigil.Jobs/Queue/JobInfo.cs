namespace Vigil.Jobs.Queue;

/// <summary>A job as stored, in the hot table or among the finished ones.</summary>
/// <param name="Id">Identifier, stable across retries, dead-lettering and replays.</param>
/// <param name="Type">The job type.</param>
/// <param name="Priority">Lower runs first.</param>
/// <param name="Payload">The payload.</param>
/// <param name="IdempotencyKey">The idempotency key, if any.</param>
/// <param name="ConcurrencyKey">The concurrency key, if any.</param>
/// <param name="State">Where it is.</param>
/// <param name="Attempts">Attempts started so far (postponements do not count).</param>
/// <param name="MaxAttempts">Attempts allowed before it is dead-lettered.</param>
/// <param name="DeadLetterRetries">How many times the hourly dead-letter pass re-queued it.</param>
/// <param name="RunAt">For a queued or retrying job: not before this time.</param>
/// <param name="LeaseOwner">For a running job: the worker holding it.</param>
/// <param name="LeaseUntil">For a running job: when its lease runs out unless renewed.</param>
/// <param name="CreatedAt">When it was first enqueued.</param>
/// <param name="UpdatedAt">Last change (for a finished job: when it finished).</param>
/// <param name="FinishedAt">When it succeeded or was dead-lettered; null while it still has to run.</param>
/// <param name="LastError">The last error or postponement reason.</param>
public sealed record JobInfo(
    long Id,
    string Type,
    int Priority,
    string Payload,
    string? IdempotencyKey,
    string? ConcurrencyKey,
    JobState State,
    int Attempts,
    int MaxAttempts,
    int DeadLetterRetries,
    DateTimeOffset? RunAt,
    string? LeaseOwner,
    DateTimeOffset? LeaseUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    string? LastError);
