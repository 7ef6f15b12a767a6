namespace Vigil.Jobs.Scheduling;

/// <summary>
/// One piece of work a schedule runs. A schedule's run is a job on the durable queue that runs each
/// of its tasks in registration order; one task failing fails the run (the others still run).
/// Register with <c>services.AddScheduledTask&lt;T&gt;()</c>. A run may happen more than once for one
/// due time (at-least-once delivery), so make the work idempotent.
/// </summary>
public interface IScheduledTask
{
    /// <summary>The schedule this task belongs to (e.g. <see cref="BuiltInSchedules.Cleanup"/>).</summary>
    string Schedule { get; }

    /// <summary>The task's name, as the schedules listing shows it (e.g. <c>jobs.finished-retention</c>).</summary>
    string Name { get; }

    /// <summary>Does the work once.</summary>
    /// <returns>What it did, in a few words (<c>removed 12 rollups</c>), or null when there was nothing to do.</returns>
    Task<string?> RunAsync(CancellationToken cancellationToken);
}
