namespace Vigil.Jobs.Processing;

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
