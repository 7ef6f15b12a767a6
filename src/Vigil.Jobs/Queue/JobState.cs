namespace Vigil.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting to run for the first time (possibly scheduled for later).</summary>
    Queued,

    /// <summary>Waiting for another attempt after one failed (pending retry).</summary>
    Retrying,

    /// <summary>Claimed by a worker under a lease.</summary>
    Processing,

    /// <summary>Finished successfully.</summary>
    Succeeded,

    /// <summary>Dead-lettered: failed permanently or used its last attempt. Can be replayed.</summary>
    Dead,
}

/// <summary>Priorities by name; <see cref="JobRequest.Priority"/> takes any integer, lower runs first.</summary>
public enum JobPriority
{
    /// <summary>Runs before medium and low.</summary>
    High = 1,

    /// <summary>The default.</summary>
    Medium = 2,

    /// <summary>Runs after high and medium.</summary>
    Low = 3,
}

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

/// <summary>Queue depth by state (for the Prometheus gauge and the jobs health check).</summary>
/// <param name="Queued">Waiting to run for the first time, due or scheduled.</param>
/// <param name="Retrying">Waiting for another attempt.</param>
/// <param name="Processing">Running under a lease.</param>
/// <param name="Succeeded">Finished rows kept until cleanup.</param>
/// <param name="Dead">Dead letters kept until cleanup.</param>
/// <param name="ExpiredLeases">Running jobs whose lease ran out (a worker stopped): "stuck" until reclaimed.</param>
public sealed record JobCounts(long Queued, long Retrying, long Processing, long Succeeded, long Dead, long ExpiredLeases)
{
    /// <summary>Jobs that still have to run: queued, retrying and processing.</summary>
    public long Pending => Queued + Retrying + Processing;
}

/// <summary>Wire names of <see cref="JobState"/> as stored.</summary>
internal static class JobStates
{
    public const string Queued = "queued";
    public const string Retrying = "retrying";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Dead = "dead";

    public static string ToWire(this JobState state) => state switch
    {
        JobState.Queued => Queued,
        JobState.Retrying => Retrying,
        JobState.Processing => Processing,
        JobState.Succeeded => Succeeded,
        JobState.Dead => Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown job state."),
    };

    public static JobState Parse(string state) => state switch
    {
        Queued => JobState.Queued,
        Retrying => JobState.Retrying,
        Processing => JobState.Processing,
        Succeeded => JobState.Succeeded,
        Dead => JobState.Dead,
        _ => throw new FormatException($"Unknown job state '{state}'."),
    };
}
