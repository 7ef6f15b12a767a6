using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Monitoring.Alerts;
using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Scheduling;

/// <summary>
/// Runs every enabled monitor at its interval on the process that holds the monitors' role
/// (<see cref="MonitorLeader"/>). One loop keeps a priority queue of next-due times and sleeps
/// until the earliest (on the <see cref="TimeProvider"/>); due checks run as tasks, at most
/// <see cref="MonitoringOptions.MaxConcurrentChecks"/> at once, with no thread per monitor. A
/// monitor's next check is due one interval after the previous one was due, not after it
/// finished, so checks keep their spacing whatever they take; a failed check with retries left
/// is tried again after the retry interval. Heartbeat monitors are due when their next check-in
/// is late by more than the grace period. Definitions and maintenance windows are reread every
/// <see cref="MonitoringOptions.ReloadInterval"/> and at once when this process changes them.
/// </summary>
public sealed partial class MonitorScheduler : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _slots;
    private readonly MonitorRepository _repository;
    private readonly MonitorChecker _checker;
    private readonly MonitorLeader _leader;
    private readonly IMonitorAlertSink _alerts;
    private readonly CheckWriter _writer;
    private readonly MonitorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly MonitoringOptions _options;
    private readonly ILogger<MonitorScheduler> _logger;
    private IReadOnlyList<StoredMaintenance> _windows = [];
    private volatile bool _reloadRequested = true;
    private bool _leading;
    private CancellationToken _stopping;

    internal MonitorScheduler(
        MonitorRepository repository, MonitorChecker checker, MonitorLeader leader, IMonitorAlertSink alerts, CheckWriter writer, MonitorMetrics metrics,
        TimeProvider time, IOptions<MonitoringOptions> options, ILogger<MonitorScheduler> logger)
    {
        _repository = repository;
        _checker = checker;
        _leader = leader;
        _alerts = alerts;
        _writer = writer;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentChecks, _options.MaxConcurrentChecks);
    }

    /// <summary>Raised after each check this process ran was stored and its alert reported (tests wait on it).</summary>
    public event Action<string, MonitorTransition>? CheckCompleted;

    /// <summary>Raised after each reload of the definitions (tests wait on it).</summary>
    public event Action? Reloaded;

    /// <summary>Whether this process runs the checks (as of the scheduler's last look).</summary>
    public bool IsRunningChecks => Volatile.Read(ref _leading);

    /// <summary>Asks for the definitions and maintenance windows to be reread now (after a change through this process).</summary>
    public void RequestReload()
    {
        _reloadRequested = true;
        Wake();
    }

    /// <summary>
    /// A heartbeat arrived (already stored): when this process runs the checks, the monitor is up
    /// at once (stored as a check, alert resolved); otherwise the running process sees it at its next reload.
    /// </summary>
    public async Task PingedAsync(string monitorId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitorId);
        Entry? entry;
        lock (_lock)
        {
            entry = _leading && _entries.TryGetValue(monitorId, out var found) ? found : null;
            if (entry is not null)
            {
                entry.LastPingMs = Math.Max(entry.LastPingMs ?? 0, at.ToUnixTimeMilliseconds());
            }
        }

        if (entry is not null)
        {
            var transition = await ApplyAsync(entry, new CheckResult(MonitorStatus.Up, null, null, null), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Schedule(entry, HeartbeatDeadline(entry));
            }

            Wake();
            CheckCompleted?.Invoke(monitorId, transition);
        }
    }

    /// <summary>
    /// Checks a monitor now. When this process runs the checks, the result counts like a
    /// scheduled check (stored, state and alert updated); otherwise it is only returned.
    /// </summary>
    /// <returns>The result and whether it was applied; null when there is no such monitor.</returns>
    public async Task<(CheckResult Result, bool Applied)?> CheckNowAsync(string monitorId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitorId);
        Entry? entry;
        lock (_lock)
        {
            entry = _leading && _entries.TryGetValue(monitorId, out var found) ? found : null;
        }

        if (entry is null)
        {
            if (await _repository.GetAsync(monitorId, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                return null;
            }

            var definition = MonitorJson.ReadStored(stored.Id, stored.Definition);
            var result = definition.Type == MonitorType.Heartbeat
                ? JudgeHeartbeat(definition, stored.LastPingAtMs ?? stored.UpdatedAtMs, _time.GetUtcNow().ToUnixTimeMilliseconds()) ?? new CheckResult(MonitorStatus.Up, null, null, null)
                : await _checker.CheckAsync(definition, cancellationToken).ConfigureAwait(false);
            return (result, false);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var checkResult = entry.Definition.Type == MonitorType.Heartbeat
            ? JudgeHeartbeat(entry.Definition, entry.LastPingMs ?? entry.EnabledSinceMs, now) ?? new CheckResult(MonitorStatus.Up, null, null, null)
            : await _checker.CheckAsync(entry.Definition, cancellationToken).ConfigureAwait(false);
        var transition = await ApplyAsync(entry, checkResult, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            Schedule(entry, transition.Retrying ? now + (entry.Definition.RetryIntervalSeconds * 1000L) : now + (entry.Definition.IntervalSeconds * 1000L));
        }

        Wake();
        CheckCompleted?.Invoke(monitorId, transition);
        return (checkResult, true);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        _stopping = stoppingToken;
        long nextReload = 0;
        long nextPrune = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                bool leading;
                try
                {
                    leading = await _leader.IsLeaderAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogLoopFailed(ex);
                    leading = false;
                }

                if (!leading)
                {
                    lock (_lock)
                    {
                        _leading = false;
                        _entries.Clear();
                        _queue.Clear();
                    }

                    _reloadRequested = true;
                    await WaitUntilAsync(now + (long)_options.ReloadInterval.TotalMilliseconds, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                Volatile.Write(ref _leading, true);
                if (_reloadRequested || now >= nextReload)
                {
                    _reloadRequested = false;
                    nextReload = now + (long)_options.ReloadInterval.TotalMilliseconds;
                    await GuardAsync(ReloadAsync, stoppingToken).ConfigureAwait(false);
                }

                if (now >= nextPrune)
                {
                    nextPrune = now + 3_600_000;
                    await GuardAsync(PruneAsync, stoppingToken).ConfigureAwait(false);
                }

                long nextDue;
                lock (_lock)
                {
                    nextDue = DispatchDue(now);
                }

                await WaitUntilAsync(Math.Min(nextDue, nextReload), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _wake.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    // Sleeps until the deadline (on the TimeProvider) or a wake-up.
    private async Task WaitUntilAsync(long deadlineMs, CancellationToken stoppingToken)
    {
        var milliseconds = deadlineMs - _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (milliseconds <= 0)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = _wake.WaitAsync(wait.Token);
        var timer = Task.Delay(TimeSpan.FromMilliseconds(milliseconds), _time, wait.Token);

        // The clock may have moved between reading it and starting the timer.
        if (_time.GetUtcNow().ToUnixTimeMilliseconds() < deadlineMs)
        {
            await Task.WhenAny(woken, timer).ConfigureAwait(false);
        }

        await wait.CancelAsync().ConfigureAwait(false);
        try
        {
            await woken.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The timer won.
        }

        stoppingToken.ThrowIfCancellationRequested();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task GuardAsync(Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        try
        {
            await work(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogLoopFailed(ex);
        }
    }

    // Under the lock. Starts every due check; returns when the next one is due.
    private long DispatchDue(long now)
    {
        while (_queue.TryPeek(out var entry, out var due) && due <= now)
        {
            _queue.Dequeue();
            if (entry.DueMs != due || !_entries.TryGetValue(entry.Definition.Id, out var current) || !ReferenceEquals(current, entry) || entry.Running)
            {
                continue; // rescheduled, removed, or still running (it schedules itself when done)
            }

            entry.Running = true;
            _ = RunAsync(entry, due);
        }

        return _queue.TryPeek(out _, out var next) ? next : long.MaxValue;
    }

    private async Task RunAsync(Entry entry, long dueMs)
    {
        var stopping = _stopping;
        var nextDue = dueMs + (entry.Definition.IntervalSeconds * 1000L);
        MonitorTransition? done = null;
        try
        {
            await _slots.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _metrics.RecordStartDelay(now - dueMs);
                CheckResult? result;
                if (entry.Definition.Type == MonitorType.Heartbeat)
                {
                    result = JudgeHeartbeat(entry.Definition, entry.LastPingMs ?? entry.EnabledSinceMs, now);
                    nextDue = result is null ? HeartbeatDeadline(entry) : now + (entry.Definition.IntervalSeconds * 1000L);
                    if (result is null && PingedSinceLastCheck(entry) && entry.State.Status != "up")
                    {
                        result = new CheckResult(MonitorStatus.Up, null, null, null); // a check-in this process has not applied yet
                    }
                }
                else
                {
                    result = await _checker.CheckAsync(entry.Definition, stopping).ConfigureAwait(false);
                }

                if (result is not null)
                {
                    var transition = done = await ApplyAsync(entry, result, stopping).ConfigureAwait(false);
                    if (transition.Retrying)
                    {
                        nextDue = _time.GetUtcNow().ToUnixTimeMilliseconds() + (entry.Definition.RetryIntervalSeconds * 1000L);
                    }
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogCheckFailed(ex, entry.Definition.Id);
        }
        finally
        {
            lock (_lock)
            {
                entry.Running = false;
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var interval = entry.Definition.IntervalSeconds * 1000L;
                if (entry.Definition.Type != MonitorType.Heartbeat && nextDue + interval <= now)
                {
                    // Behind by whole intervals (a stalled process): skip them rather than run back to back.
                    nextDue += (now - nextDue) / interval * interval;
                }

                if (entry.DueMs <= dueMs)
                {
                    Schedule(entry, nextDue);
                }
            }

            Wake();
            if (done is not null)
            {
                CheckCompleted?.Invoke(entry.Definition.Id, done);
            }
        }
    }

    private async Task<MonitorTransition> ApplyAsync(Entry entry, CheckResult result, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        MonitorTransition transition;
        lock (entry)
        {
            var inMaintenance = InMaintenance(entry.Definition.Id, now.ToUnixTimeMilliseconds());
            transition = MonitorStateMachine.Apply(entry.Definition, entry.State, result, inMaintenance, now);
            entry.State = transition.State;
            _metrics.RecordCheck(entry.Definition, result.Status, result.ResponseMs, inMaintenance);
        }

        await _writer.WriteAsync(transition.Check, transition.State).ConfigureAwait(false);
        if (transition.Alert is { } alert)
        {
            var definition = entry.Definition;
            var reason = alert == MonitorStatus.Down
                ? $"{definition.Name} ({definition.Target}) is down: {result.Message}"
                : string.Create(CultureInfo.InvariantCulture, $"{definition.Name} ({definition.Target}) is {result.Status.ToWire()} again{(result.ResponseMs is { } ms ? $" ({ms:0.#} ms)" : "")}");
            if (alert == MonitorStatus.Down)
            {
                LogDown(definition.Name, definition.Id, result.Message);
            }
            else
            {
                LogUp(definition.Name, definition.Id);
            }

            try
            {
                await _alerts.ReportAsync(new MonitorAlertReport(definition.Id, definition.Name, definition.Type, alert == MonitorStatus.Down, reason), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The next reload reconciles the alerts with the monitors.
                LogAlertFailed(ex, definition.Id);
                _reloadRequested = true;
            }
        }

        return transition;
    }

    private bool InMaintenance(string monitorId, long nowMs)
    {
        var windows = Volatile.Read(ref _windows);
        foreach (var window in windows)
        {
            if (window.Covers(monitorId, nowMs))
            {
                return true;
            }
        }

        return false;
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var stored = await _repository.ListAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _windows, await _repository.MaintenanceAsync(cancellationToken).ConfigureAwait(false));
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var pinged = new List<(Entry Entry, long At)>();
        var down = new List<MonitorAlertReport>();
        lock (_lock)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var monitor in stored)
            {
                if (!monitor.Enabled)
                {
                    continue;
                }

                seen.Add(monitor.Id);
                if (_entries.TryGetValue(monitor.Id, out var entry) && entry.Version == monitor.Version)
                {
                    if (monitor.LastPingAtMs is { } ping && ping > (entry.LastPingMs ?? long.MinValue))
                    {
                        entry.LastPingMs = ping; // a check-in received by another process
                        pinged.Add((entry, ping));
                    }
                }
                else
                {
                    MonitorDefinition definition;
                    try
                    {
                        definition = MonitorJson.ReadStored(monitor.Id, monitor.Definition);
                    }
                    catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
                    {
                        LogInvalidStored(ex, monitor.Id);
                        continue;
                    }

                    entry = new Entry(definition, monitor.Version, monitor.UpdatedAtMs) { State = monitor.State, LastPingMs = monitor.LastPingAtMs };
                    _entries[monitor.Id] = entry;
                    var due = definition.Type == MonitorType.Heartbeat
                        ? (PingedSinceLastCheck(entry) && entry.State.Status != "up" ? now : HeartbeatDeadline(entry))
                        : monitor.State.LastCheckAtMs is { } last ? Math.Max(now, last + (definition.IntervalSeconds * 1000L)) : now;
                    Schedule(entry, due);
                }

                if (entry.State.Status == "down")
                {
                    down.Add(new MonitorAlertReport(entry.Definition.Id, entry.Definition.Name, entry.Definition.Type, true,
                        $"{entry.Definition.Name} ({entry.Definition.Target}) is down: {entry.State.LastError}"));
                }
            }

            foreach (var id in _entries.Keys.Where(id => !seen.Contains(id)).ToList())
            {
                _entries.Remove(id);
            }
        }

        foreach (var (entry, _) in pinged)
        {
            var transition = await ApplyAsync(entry, new CheckResult(MonitorStatus.Up, null, null, null), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                Schedule(entry, HeartbeatDeadline(entry));
            }

            CheckCompleted?.Invoke(entry.Definition.Id, transition);
        }

        await _alerts.ReconcileAsync([.. down.Where(d => pinged.All(p => p.Entry.Definition.Id != d.MonitorId))], cancellationToken).ConfigureAwait(false);
        Reloaded?.Invoke();
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _repository.PruneAsync(
            (now - _options.CheckRetention).ToUnixTimeMilliseconds(),
            (now - _options.UptimeRetention).ToUnixTimeMilliseconds(),
            (now - _options.UptimeRetention).ToUnixTimeMilliseconds(),
            cancellationToken).ConfigureAwait(false);
    }

    // Under the lock.
    private void Schedule(Entry entry, long dueMs)
    {
        entry.DueMs = dueMs;
        _queue.Enqueue(entry, dueMs);
    }

    private static bool PingedSinceLastCheck(Entry entry) =>
        entry.LastPingMs is { } ping && ping > (entry.State.LastCheckAtMs ?? long.MinValue);

    private static long HeartbeatDeadline(Entry entry) =>
        (entry.LastPingMs ?? entry.EnabledSinceMs) + ((entry.Definition.IntervalSeconds + (long)entry.Definition.GraceSeconds) * 1000L);

    /// <summary>A late heartbeat's failure, or null when the next check-in is not late yet.</summary>
    internal static CheckResult? JudgeHeartbeat(MonitorDefinition monitor, long sinceMs, long nowMs)
    {
        var deadline = sinceMs + ((monitor.IntervalSeconds + (long)monitor.GraceSeconds) * 1000L);
        if (nowMs < deadline)
        {
            return null;
        }

        var since = DateTimeOffset.FromUnixTimeMilliseconds(sinceMs);
        return CheckResult.Down(string.Create(CultureInfo.InvariantCulture,
            $"No check-in since {since:yyyy-MM-ddTHH:mm:ssZ} (expected every {monitor.IntervalSeconds} s, {monitor.GraceSeconds} s grace)."));
    }

    private sealed class Entry(MonitorDefinition definition, long version, long enabledSinceMs)
    {
        public MonitorDefinition Definition { get; } = definition;

        public long Version { get; } = version;

        public long EnabledSinceMs { get; } = enabledSinceMs;

        public MonitorStateRecord State { get; set; } = MonitorStateRecord.Empty;

        public long? LastPingMs { get; set; }

        public long DueMs { get; set; }

        public bool Running { get; set; }
    }

    [LoggerMessage(EventId = 4320, Level = LogLevel.Warning, Message = "Monitor {Name} ({MonitorId}) is down: {Error}")]
    private partial void LogDown(string name, string monitorId, string? error);

    [LoggerMessage(EventId = 4321, Level = LogLevel.Information, Message = "Monitor {Name} ({MonitorId}) is up again")]
    private partial void LogUp(string name, string monitorId);

    [LoggerMessage(EventId = 4322, Level = LogLevel.Error, Message = "The check of monitor {MonitorId} failed unexpectedly")]
    private partial void LogCheckFailed(Exception exception, string monitorId);

    [LoggerMessage(EventId = 4323, Level = LogLevel.Error, Message = "The monitor scheduler's loop failed; it tries again")]
    private partial void LogLoopFailed(Exception exception);

    [LoggerMessage(EventId = 4324, Level = LogLevel.Error, Message = "Reporting monitor {MonitorId}'s alert failed; the next reload reconciles it")]
    private partial void LogAlertFailed(Exception exception, string monitorId);

    [LoggerMessage(EventId = 4325, Level = LogLevel.Error, Message = "The stored monitor {MonitorId} is invalid; it is not checked")]
    private partial void LogInvalidStored(Exception exception, string monitorId);
}
