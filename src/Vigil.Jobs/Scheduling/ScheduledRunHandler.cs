using System.Text;
using Microsoft.Extensions.Logging;
using Vigil.Jobs.Processing;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// Runs a schedule's run (a <see cref="ScheduleStore.JobType"/> job): each of its tasks in order,
/// then stores the outcome for the listing. A failed run is dead-lettered, not retried: the next due
/// time runs it again.
/// </summary>
internal sealed partial class ScheduledRunHandler(ScheduleService schedules, ScheduleStore store, TimeProvider time, ILogger<ScheduledRunHandler> logger) : IJobHandler
{
    public string Type => ScheduleStore.JobType;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = context.Payload;
        if (!schedules.Exists(name))
        {
            return JobOutcome.Fail($"There is no schedule named '{name}' in this process.");
        }

        var schedule = schedules.Get(name);
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var errors = new StringBuilder();
        var details = new StringBuilder();
        foreach (var task in schedules.TasksOf(name))
        {
            try
            {
                if (await task.RunAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } detail)
                {
                    Line(details, $"{task.Name}: {detail}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                LogTaskFailed(ex, name, task.Name);
                Line(errors, $"{task.Name}: {ex.Message}");
            }
        }

        var outcome = new ScheduleOutcome(
            errors.Length == 0,
            errors.Length == 0 ? null : errors.ToString(),
            details.Length == 0 ? null : details.ToString(),
            time.GetElapsedTime(started),
            context.Id);
        var now = time.GetUtcNow();
        await store.RecordAsync(schedule, startedAt, outcome, (schedule.NextAfter(now) ?? DateTimeOffset.MaxValue).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        LogRan(name, outcome.Succeeded ? "succeeded" : "failed", outcome.Duration.TotalMilliseconds, outcome.Detail ?? outcome.Error);
        schedules.OnRecorded(name, outcome);
        return outcome.Error is { } error ? JobOutcome.Fail(error) : JobOutcome.Succeeded;
    }

    private static void Line(StringBuilder builder, string text)
    {
        if (builder.Length > 0)
        {
            builder.Append('\n');
        }

        builder.Append(text);
    }

    [LoggerMessage(EventId = 6130, Level = LogLevel.Error, Message = "Schedule {Schedule}: task {Task} failed")]
    private partial void LogTaskFailed(Exception exception, string schedule, string task);

    [LoggerMessage(EventId = 6131, Level = LogLevel.Information, Message = "Schedule {Schedule} ran: {Outcome} in {DurationMs} ms ({Summary})")]
    private partial void LogRan(string schedule, string outcome, double durationMs, string? summary);
}
