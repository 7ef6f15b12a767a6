namespace Vigil.Jobs;

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

/// <summary>What to store for a claimed job.</summary>
/// <param name="Job">The claim.</param>
/// <param name="Outcome">The handler's outcome; null: release the job unrun (no attempt used).</param>
internal readonly record struct JobCompletion(ClaimedJob Job, JobOutcome? Outcome)
{
    public static JobCompletion Release(ClaimedJob job) => new(job, null);
}

/// <summary>How many jobs of a type a claim may take.</summary>
internal readonly record struct TypeClaim(string Type, int Limit);

/// <summary>How many jobs of a concurrency key (of any of the claimer's types) a claim may take.</summary>
internal readonly record struct KeyClaim(string Key, int Limit);
