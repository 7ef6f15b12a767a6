using System.Data.Common;
using System.Globalization;
using Vigil.Jobs.Queue;
using Vigil.Storage;
using static Vigil.Jobs.Queue.Sql;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// The <c>schedules</c> table: each schedule's next due time, shared by every process, and its last
/// outcome. A due time is claimed by a compare-and-set on <c>next_run_at</c> in the transaction that
/// enqueues the run, so one due time becomes one job however many processes find it due.
/// </summary>
internal sealed class ScheduleStore(Database database, JobQueue queue)
{
    /// <summary>The job type of a schedule's run; its payload is the schedule's name.</summary>
    public const string JobType = "vigil-schedule";

    private const int MaxTextLength = 4000;

    /// <summary>
    /// Adds the rows of new schedules (first due at their next occurrence after <paramref name="now"/>:
    /// a new schedule does not run at once) and brings the others in line with the settings. A row whose
    /// expression or time zone changed, or that is enabled again, restarts from its next occurrence; an
    /// unchanged one keeps its due time, so runs missed while every process was down come as one run now.
    /// </summary>
    public async Task EnsureAsync(IReadOnlyList<CronSchedule> schedules, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false);
        foreach (var schedule in schedules)
        {
            var next = (schedule.NextAfter(now) ?? DateTimeOffset.MaxValue).ToUnixTimeMilliseconds();
            await using var command = Command(work.Connection, work.Transaction, """
                INSERT INTO schedules (name, cron, time_zone, enabled, next_run_at, updated_at)
                VALUES (@name, @cron, @zone, @enabled, @next, @now)
                ON CONFLICT (name) DO UPDATE SET
                    next_run_at = CASE
                        WHEN schedules.cron <> excluded.cron OR schedules.time_zone <> excluded.time_zone
                            OR (schedules.enabled = FALSE AND excluded.enabled = TRUE) THEN excluded.next_run_at
                        ELSE schedules.next_run_at END,
                    cron = excluded.cron,
                    time_zone = excluded.time_zone,
                    enabled = excluded.enabled,
                    updated_at = excluded.updated_at
                """);
            Add(command, "name", schedule.Name);
            Add(command, "cron", schedule.Cron);
            Add(command, "zone", schedule.TimeZone.Id);
            Add(command, "enabled", schedule.Enabled);
            Add(command, "next", next);
            Add(command, "now", now.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every schedule's row, by name.</summary>
    public async Task<IReadOnlyDictionary<string, ScheduleRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, """
            SELECT name, next_run_at, last_run_at, last_outcome, last_error, last_detail, last_duration_ms, last_job_id FROM schedules
            """);
        var rows = new Dictionary<string, ScheduleRow>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            long? Long(int i) => reader.IsDBNull(i) ? null : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var name = reader.GetString(0);
            rows[name] = new ScheduleRow(name, Long(1)!.Value, Long(2), Text(3), Text(4), Text(5), Long(6), Long(7));
        }

        return rows;
    }

    /// <summary>
    /// Claims the due time <paramref name="dueMs"/> of a schedule, moving it to <paramref name="nextMs"/>,
    /// and enqueues the run in the same transaction; does nothing if another process claimed it first
    /// (the row no longer holds <paramref name="dueMs"/>).
    /// </summary>
    /// <returns>Whether this call enqueued the run.</returns>
    public async Task<bool> TryEnqueueDueAsync(string name, long dueMs, long nextMs, long nowMs, CancellationToken cancellationToken)
    {
        await using var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = Command(work.Connection, work.Transaction, """
            UPDATE schedules SET next_run_at = @next, last_enqueued_at = @now, updated_at = @now
            WHERE name = @name AND next_run_at = @due
            """))
        {
            Add(command, "name", name);
            Add(command, "due", dueMs);
            Add(command, "next", nextMs);
            Add(command, "now", nowMs);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        // The key is a second lock on the same door: one job per (schedule, due time) even if a row were reset.
        var key = $"schedule:{name}:{dueMs.ToString(CultureInfo.InvariantCulture)}";
        await queue.EnqueueAsync(work, [new JobRequest(JobType, name, IdempotencyKey: key, MaxAttempts: 1)], cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Enqueues a run of a schedule now, outside its cron (its next due time does not move).</summary>
    public Task<bool> EnqueueNowAsync(string name, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(new JobRequest(JobType, name, MaxAttempts: 1), cancellationToken);

    /// <summary>Stores how a run went (creating the row if no scheduler has yet, due at <paramref name="nextMs"/>).</summary>
    public async Task RecordAsync(CronSchedule schedule, DateTimeOffset startedAt, ScheduleOutcome outcome, long nextMs, long nowMs, CancellationToken cancellationToken)
    {
        await using var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(work.Connection, work.Transaction, """
            INSERT INTO schedules (name, cron, time_zone, enabled, next_run_at, last_run_at, last_outcome, last_error, last_detail, last_duration_ms, last_job_id, updated_at)
            VALUES (@name, @cron, @zone, @enabled, @next, @started, @outcome, @error, @detail, @duration, @job, @now)
            ON CONFLICT (name) DO UPDATE SET
                last_run_at = excluded.last_run_at,
                last_outcome = excluded.last_outcome,
                last_error = excluded.last_error,
                last_detail = excluded.last_detail,
                last_duration_ms = excluded.last_duration_ms,
                last_job_id = excluded.last_job_id,
                updated_at = excluded.updated_at
            """);
        Add(command, "name", schedule.Name);
        Add(command, "cron", schedule.Cron);
        Add(command, "zone", schedule.TimeZone.Id);
        Add(command, "enabled", schedule.Enabled);
        Add(command, "next", nextMs);
        Add(command, "started", startedAt.ToUnixTimeMilliseconds());
        Add(command, "outcome", outcome.Succeeded ? "succeeded" : "failed");
        Add(command, "error", Truncate(outcome.Error));
        Add(command, "detail", Truncate(outcome.Detail));
        Add(command, "duration", (long)outcome.Duration.TotalMilliseconds);
        Add(command, "job", outcome.JobId);
        Add(command, "now", nowMs);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? Truncate(string? text) => text is { Length: > MaxTextLength } ? text[..MaxTextLength] : text;
}

/// <summary>A row of the <c>schedules</c> table (times in Unix ms).</summary>
internal sealed record ScheduleRow(
    string Name, long NextRunAtMs, long? LastRunAtMs, string? LastOutcome, string? LastError, string? LastDetail, long? LastDurationMs, long? LastJobId);
