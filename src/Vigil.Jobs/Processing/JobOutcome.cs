namespace Vigil.Jobs.Processing;

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
