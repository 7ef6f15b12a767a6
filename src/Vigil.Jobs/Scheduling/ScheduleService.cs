using Microsoft.Extensions.Options;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// The schedules of this process: their settings, tasks, last and next runs (<see cref="ListAsync"/>),
/// and a run on demand (<see cref="RunNowAsync"/>). The runs themselves are jobs on the durable queue.
/// </summary>
public sealed class ScheduleService
{
    private readonly IReadOnlyList<string> _names;
    private readonly IOptionsMonitor<ScheduleOptions> _options;
    private readonly ILookup<string, IScheduledTask> _tasks;
    private readonly ScheduleStore _store;
    private readonly TimeProvider _time;

    internal ScheduleService(IEnumerable<ScheduleRegistration> registrations, IOptionsMonitor<ScheduleOptions> options, IEnumerable<IScheduledTask> tasks, ScheduleStore store, TimeProvider time)
    {
        _names = [.. registrations.Select(r => r.Name).Distinct(StringComparer.Ordinal)];
        _options = options;
        _tasks = tasks.ToLookup(t => t.Schedule, StringComparer.Ordinal);
        _store = store;
        _time = time;
    }

    /// <summary>Raised after a run's outcome is stored; for tests.</summary>
    internal event Action<string, ScheduleOutcome>? Recorded;

    /// <summary>The names of the schedules, in listing order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Whether there is a schedule by that name.</summary>
    public bool Exists(string name) => _names.Contains(name, StringComparer.Ordinal);

    /// <summary>Every schedule with its last and next run, in listing order.</summary>
    public async Task<IReadOnlyList<ScheduleStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var rows = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        return [.. _names.Select(name => Status(Get(name), rows.GetValueOrDefault(name), now))];
    }

    /// <summary>One schedule, or null if there is none by that name.</summary>
    public async Task<ScheduleStatus?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Exists(name))
        {
            return null;
        }

        var rows = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        return Status(Get(name), rows.GetValueOrDefault(name), _time.GetUtcNow());
    }

    /// <summary>
    /// Enqueues a run of the schedule now, whatever its cron and even when disabled; its next due time
    /// does not move. The run happens on whichever process takes the job.
    /// </summary>
    public async Task<ScheduleRunRequest> RunNowAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Exists(name))
        {
            return ScheduleRunRequest.Unknown;
        }

        if (!_tasks[name].Any())
        {
            return ScheduleRunRequest.NothingToRun;
        }

        await _store.EnqueueNowAsync(name, cancellationToken).ConfigureAwait(false);
        return ScheduleRunRequest.Enqueued;
    }

    /// <summary>The settings of a schedule, parsed (validated at start-up).</summary>
    internal CronSchedule Get(string name) => CronSchedule.Parse(name, _options.Get(name));

    /// <summary>A schedule's tasks in registration order.</summary>
    internal IReadOnlyList<IScheduledTask> TasksOf(string name) => [.. _tasks[name]];

    internal void OnRecorded(string name, ScheduleOutcome outcome) => Recorded?.Invoke(name, outcome);

    private ScheduleStatus Status(CronSchedule schedule, ScheduleRow? row, DateTimeOffset now)
    {
        var tasks = _tasks[schedule.Name].Select(t => t.Name).ToArray();
        DateTimeOffset? next = !schedule.Enabled || tasks.Length == 0 ? null
            : row is not null ? DateTimeOffset.FromUnixTimeMilliseconds(row.NextRunAtMs)
            : schedule.NextAfter(now);
        var outcome = row?.LastOutcome is { } kind
            ? new ScheduleOutcome(kind == "succeeded", row.LastError, row.LastDetail, TimeSpan.FromMilliseconds(row.LastDurationMs ?? 0), row.LastJobId)
            : null;
        return new ScheduleStatus(
            schedule.Name,
            schedule.Cron,
            schedule.Enabled,
            schedule.TimeZone.Id,
            tasks,
            row?.LastRunAtMs is { } last ? DateTimeOffset.FromUnixTimeMilliseconds(last) : null,
            outcome,
            next);
    }
}

/// <summary>What <see cref="ScheduleService.RunNowAsync"/> did.</summary>
public enum ScheduleRunRequest
{
    /// <summary>The run is on the queue.</summary>
    Enqueued,

    /// <summary>There is no schedule by that name.</summary>
    Unknown,

    /// <summary>The schedule has no tasks: nothing to run.</summary>
    NothingToRun,
}
