using Vigil.Jobs.Scheduling;

namespace Vigil.Server.Schedules;

/// <summary>A cron schedule as the API shows it.</summary>
/// <param name="Name">Its name; its settings are <c>Vigil:Schedules:&lt;name&gt;</c>.</param>
/// <param name="Cron">The cron expression.</param>
/// <param name="Enabled">Whether it runs on its cron.</param>
/// <param name="TimeZone">The time zone the expression is read in.</param>
/// <param name="Tasks">What a run does, in order (empty: nothing yet, so it is not run).</param>
/// <param name="LastRunAt">When the last finished run started (on any process).</param>
/// <param name="LastOutcome">How it went.</param>
/// <param name="NextRunAt">When it is next due; null when disabled or without tasks.</param>
public sealed record ScheduleResponse(
    string Name, string Cron, bool Enabled, string TimeZone, IReadOnlyList<string> Tasks,
    DateTimeOffset? LastRunAt, ScheduleOutcomeResponse? LastOutcome, DateTimeOffset? NextRunAt)
{
    internal static ScheduleResponse From(ScheduleStatus status) => new(
        status.Name,
        status.Cron,
        status.Enabled,
        status.TimeZone,
        status.Tasks,
        status.LastRunAt,
        status.LastOutcome is { } outcome
            ? new ScheduleOutcomeResponse(outcome.Succeeded ? "succeeded" : "failed", outcome.Error, outcome.Detail, (long)outcome.Duration.TotalMilliseconds, outcome.JobId)
            : null,
        status.NextRunAt);
}

/// <summary>How a schedule's last run went.</summary>
/// <param name="Status"><c>succeeded</c> or <c>failed</c> (a task failed).</param>
/// <param name="Error">The failed tasks with their errors, one per line.</param>
/// <param name="Detail">What the tasks did, one line per task that did something.</param>
/// <param name="DurationMs">How long the run took.</param>
/// <param name="JobId">The run's job on the queue.</param>
public sealed record ScheduleOutcomeResponse(string Status, string? Error, string? Detail, long DurationMs, long? JobId);
