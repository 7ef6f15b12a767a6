namespace Vigil.Jobs;

/// <summary>
/// Runs the jobs of one type. Register with <c>AddJobHandler&lt;T&gt;()</c>; one instance serves
/// every job of its type, concurrently up to the type's concurrency. Delivery is at least once:
/// a job whose worker dies runs again, so make the effect idempotent (the job id and
/// <see cref="JobContext.IdempotencyKey"/> are stable across attempts).
/// </summary>
public interface IJobHandler
{
    /// <summary>The job type this handler runs.</summary>
    string Type { get; }

    /// <summary>
    /// Runs one attempt and says what happened. An exception counts as
    /// <see cref="JobOutcome.Retry(string, TimeSpan?)"/>. <paramref name="cancellationToken"/> fires
    /// when the process stops and the shutdown grace is over: the job then goes back to the queue
    /// without using an attempt.
    /// </summary>
    ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>The job an <see cref="IJobHandler"/> is asked to run.</summary>
public sealed class JobContext
{
    internal JobContext(ClaimedJob job)
    {
        Id = job.Id;
        Type = job.Type;
        Payload = job.Payload;
        IdempotencyKey = job.IdempotencyKey;
        ConcurrencyKey = job.ConcurrencyKey;
        Attempt = job.Attempts;
        MaxAttempts = job.MaxAttempts;
        CreatedAt = job.CreatedAt;
        LastError = job.LastError;
    }

    /// <summary>The job id, stable across attempts.</summary>
    public long Id { get; }

    /// <summary>The job type.</summary>
    public string Type { get; }

    /// <summary>The payload as enqueued.</summary>
    public string Payload { get; }

    /// <summary>The idempotency key, if the job has one.</summary>
    public string? IdempotencyKey { get; }

    /// <summary>The concurrency key, if the job has one.</summary>
    public string? ConcurrencyKey { get; }

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Attempts allowed in all.</summary>
    public int MaxAttempts { get; }

    /// <summary>Whether a retry after this attempt would dead-letter the job instead.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    /// <summary>When the job was first enqueued.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The error of the previous attempt, if any.</summary>
    public string? LastError { get; }
}

/// <summary>What happened to one attempt of a job.</summary>
public enum JobOutcomeKind
{
    /// <summary>Done: the job moves to the finished jobs.</summary>
    Succeeded,

    /// <summary>Failed, try again (after the retry policy's delay or the one given); the last attempt dead-letters the job.</summary>
    Retry,

    /// <summary>Not now (a circuit breaker is open, a rate limit is hit): run again later without using an attempt.</summary>
    Postpone,

    /// <summary>Failed for good: dead-letter the job without further attempts.</summary>
    Fail,
}

/// <summary>The result an <see cref="IJobHandler"/> returns for one attempt.</summary>
public sealed class JobOutcome
{
    private JobOutcome(JobOutcomeKind kind, string? message, TimeSpan? delay, DateTimeOffset? until)
    {
        Kind = kind;
        Message = message;
        Delay = delay;
        Until = until;
    }

    /// <summary>The job is done.</summary>
    public static JobOutcome Succeeded { get; } = new(JobOutcomeKind.Succeeded, null, null, null);

    /// <summary>What happened.</summary>
    public JobOutcomeKind Kind { get; }

    /// <summary>The error (retry, fail) or the reason (postpone).</summary>
    public string? Message { get; }

    /// <summary>For a retry or postponement: how long to wait; null for a retry: the retry policy decides.</summary>
    public TimeSpan? Delay { get; }

    /// <summary>For a postponement: not before this time (when given as a time).</summary>
    public DateTimeOffset? Until { get; }

    /// <summary>
    /// The attempt failed; try again after <paramref name="after"/> (a <c>Retry-After</c> the destination
    /// sent) or else the retry policy's backoff. Uses an attempt; the last one dead-letters the job.
    /// </summary>
    public static JobOutcome Retry(string error, TimeSpan? after = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (after is { } delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(after));
        }

        return new JobOutcome(JobOutcomeKind.Retry, error, after, null);
    }

    /// <summary>Run the job again at <paramref name="until"/> without using an attempt (an open circuit breaker).</summary>
    public static JobOutcome Postpone(DateTimeOffset until, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return new JobOutcome(JobOutcomeKind.Postpone, reason, null, until);
    }

    /// <summary>Run the job again after <paramref name="delay"/> without using an attempt.</summary>
    public static JobOutcome Postpone(TimeSpan delay, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new JobOutcome(JobOutcomeKind.Postpone, reason, delay, null);
    }

    /// <summary>The job cannot succeed (a 4xx answer, a bad payload): dead-letter it now.</summary>
    public static JobOutcome Fail(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new JobOutcome(JobOutcomeKind.Fail, error, null, null);
    }

    /// <inheritdoc />
    public override string ToString() => Message is null ? Kind.ToString() : $"{Kind}: {Message}";
}
