namespace Vigil.Jobs.Scheduling;

/// <summary>A schedule as the listing shows it: its settings, its tasks, its last and next run.</summary>
/// <param name="Name">The schedule's name (its settings are <c>Vigil:Schedules:&lt;name&gt;</c>).</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="Enabled">Whether it runs.</param>
/// <param name="TimeZone">The time zone the expression is read in.</param>
/// <param name="Tasks">What a run does: the names of its tasks, in order (none: nothing to run, so it is not enqueued).</param>
/// <param name="LastRunAt">When the last finished run started, on any process; null if none has.</param>
/// <param name="LastOutcome">How the last finished run went; null if none has.</param>
/// <param name="NextRunAt">When it is next due; null when disabled or without tasks.</param>
public sealed record ScheduleStatus(
    string Name,
    string Cron,
    bool Enabled,
    string TimeZone,
    IReadOnlyList<string> Tasks,
    DateTimeOffset? LastRunAt,
    ScheduleOutcome? LastOutcome,
    DateTimeOffset? NextRunAt);

/// <summary>How a run went.</summary>
/// <param name="Succeeded">Whether every task succeeded.</param>
/// <param name="Error">The failed tasks and their errors (<c>task: message</c>, one per line); null on success.</param>
/// <param name="Detail">What the tasks did, in a few words each (<c>task: removed 3 rollups</c>); null when nothing was done.</param>
/// <param name="Duration">How long the run took.</param>
/// <param name="JobId">The run's job on the queue.</param>
public sealed record ScheduleOutcome(bool Succeeded, string? Error, string? Detail, TimeSpan Duration, long? JobId);
