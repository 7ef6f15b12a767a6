using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// Enqueues each enabled schedule's run when it is due, on every process that runs maintenance
/// (<see cref="JobsOptions.MaintenanceEnabled"/>): the processes race for a due time with a
/// compare-and-set in the database, so each due time is enqueued once. A due time long past
/// (every process was down) is one run, then the schedule goes on from its next occurrence after now.
/// </summary>
internal sealed partial class CronScheduler(
    ScheduleService schedules, ScheduleStore store, IOptions<JobsOptions> jobs, TimeProvider time, ILogger<CronScheduler> logger) : BackgroundService
{
    /// <summary>The longest wait between looks at the table (a schedule another process's settings moved earlier).</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    /// <summary>Released after each pass over the schedules; for tests.</summary>
    internal SemaphoreSlim Passes { get; } = new(0);

    /// <summary>How many runs this process enqueued; for tests.</summary>
    internal int Enqueued => Volatile.Read(ref _enqueued);

    private int _enqueued;

    public override void Dispose()
    {
        Passes.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!jobs.Value.MaintenanceEnabled)
        {
            return;
        }

        var ensured = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset wakeAt;
            try
            {
                if (!ensured)
                {
                    await EnsureAsync(stoppingToken).ConfigureAwait(false);
                    ensured = true;
                }

                wakeAt = await RunDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex, RetryAfterFailure.TotalSeconds);
                wakeAt = time.GetUtcNow() + RetryAfterFailure;
            }

            Passes.Release();
            try
            {
                await JobProcessor.DelayUntilAsync(time, wakeAt, null, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Brings the <c>schedules</c> table in line with this process's settings (at start).</summary>
    internal Task EnsureAsync(CancellationToken cancellationToken) =>
        store.EnsureAsync([.. schedules.Names.Select(schedules.Get)], time.GetUtcNow(), cancellationToken);

    /// <summary>Enqueues the runs that are due; returns when to look again.</summary>
    internal async Task<DateTimeOffset> RunDueAsync(CancellationToken cancellationToken)
    {
        var rows = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var wakeAt = now + MaxWait;
        foreach (var name in schedules.Names)
        {
            var schedule = schedules.Get(name);
            if (!schedule.Enabled || schedules.TasksOf(name).Count == 0 || !rows.TryGetValue(name, out var row))
            {
                continue;
            }

            var due = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(row.NextRunAtMs, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()));
            if (due > now)
            {
                wakeAt = due < wakeAt ? due : wakeAt;
                continue;
            }

            // Due, perhaps many times over while every process was down: one run, then on from now.
            var next = schedule.NextAfter(now) ?? DateTimeOffset.MaxValue;
            if (await store.TryEnqueueDueAsync(name, row.NextRunAtMs, next.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _enqueued);
                LogEnqueued(name, due, next);
            }

            wakeAt = next < wakeAt ? next : wakeAt;
        }

        return wakeAt;
    }

    [LoggerMessage(EventId = 6132, Level = LogLevel.Information, Message = "Schedule {Schedule} due at {Due:O} enqueued; next at {Next:O}")]
    private partial void LogEnqueued(string schedule, DateTimeOffset due, DateTimeOffset next);

    [LoggerMessage(EventId = 6133, Level = LogLevel.Error, Message = "The scheduler failed; trying again in {RetrySeconds} s")]
    private partial void LogFailed(Exception exception, double retrySeconds);
}
