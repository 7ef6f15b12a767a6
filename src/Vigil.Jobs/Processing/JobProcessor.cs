using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Storage;

namespace Vigil.Jobs;

/// <summary>
/// Runs queued jobs with the registered <see cref="IJobHandler"/>s. One dispatcher loop owns all
/// scheduling state: it claims batches of due jobs for the types that have free slots, starts
/// them on the thread pool within the global, per-type and per-key limits, stores outcomes in
/// batches, and renews the leases of what it holds. Jobs of a concurrency key that is at its limit
/// wait in a small bounded hold that takes no worker slot, and the key is left out of further
/// claims until it has room, so a slow destination never delays the others. It wakes at once on
/// <see cref="JobSignal"/> and, on PostgreSQL, on <c>NOTIFY</c> (a dedicated listening connection,
/// reconnected on failure), and polls as a fallback.
/// </summary>
internal sealed partial class JobProcessor : BackgroundService
{
    private static readonly TimeSpan MaxListenBackoff = TimeSpan.FromSeconds(30);

    private readonly JobQueue _queue;
    private readonly JobsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JobProcessor> _logger;
    private readonly Dictionary<string, TypeSlot> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Type, string Key), KeySlot> _keys = [];
    private readonly Dictionary<long, ClaimedJob> _active = [];
    private readonly HashSet<long> _lost = [];
    private readonly ConcurrentQueue<JobCompletion> _finished = new();
    private readonly List<JobCompletion> _pending = [];
    private readonly WakeEvent _wake = new();
    private readonly CancellationTokenSource _handlerStop = new();
    private readonly CancellationTokenSource _databaseStop = new();
    private readonly SemaphoreSlim _maintenancePasses = new(0);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private long _stored;
    private volatile bool _signaled;

    public JobProcessor(JobQueue queue, IEnumerable<IJobHandler> handlers, IOptions<JobsOptions> options, TimeProvider timeProvider, ILogger<JobProcessor> logger)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        _queue = queue;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        WorkerId = _options.WorkerId ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        foreach (var handler in handlers)
        {
            if (string.IsNullOrWhiteSpace(handler.Type))
            {
                throw new InvalidOperationException($"The job handler {handler.GetType().Name} has no Type.");
            }

            if (!_types.TryAdd(handler.Type, new TypeSlot(handler.Type, handler, _options.ForType(handler.Type).Concurrency)))
            {
                throw new InvalidOperationException(
                    $"Two job handlers run the type '{handler.Type}': {_types[handler.Type].Handler.GetType().Name} and {handler.GetType().Name}.");
            }
        }
    }

    /// <summary>This processor's name on its leases.</summary>
    public string WorkerId { get; }

    /// <summary>How many outcomes this processor has stored (releases included); for tests and the benchmark.</summary>
    internal long Stored => Interlocked.Read(ref _stored);

    /// <summary>Raised on the dispatcher after each batch of outcomes is stored; for tests and the benchmark.</summary>
    internal event Action? OutcomesStored;

    /// <summary>Completes once the PostgreSQL listener has subscribed; for tests.</summary>
    internal Task Listening => _listening.Task;

    /// <summary>Released once after each maintenance pass (dead-letter retry and cleanup); for tests.</summary>
    internal SemaphoreSlim MaintenancePasses => _maintenancePasses;

    public override void Dispose()
    {
        _handlerStop.Dispose();
        _databaseStop.Dispose();
        _maintenancePasses.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var subscription = _queue.Signal.Subscribe(OnSignal);
        var processing = _options.ProcessingEnabled && _types.Count > 0;
        var listener = processing && _queue.Database.Provider == StorageProvider.Postgres ? ListenAsync(stoppingToken) : Task.CompletedTask;
        var maintenance = _options.MaintenanceEnabled ? MaintainAsync(stoppingToken) : Task.CompletedTask;
        if (processing)
        {
            Log.Started(_logger, WorkerId, string.Join(", ", _types.Keys), _options.MaxConcurrency);
            try
            {
                await DispatchAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                await DrainAsync().ConfigureAwait(false);
            }
        }

        await Task.WhenAll(listener, maintenance).ConfigureAwait(false);
    }

    private void OnSignal()
    {
        _signaled = true;
        _wake.Set();
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        var nextPoll = now;
        var nextHeartbeat = now + _options.HeartbeatInterval;
        var databaseRetryAt = DateTimeOffset.MinValue;
        var nextRecovery = now;
        while (!stoppingToken.IsCancellationRequested)
        {
            now = _time.GetUtcNow();
            if (_signaled || now >= nextPoll)
            {
                _signaled = false;
                foreach (var type in _types.Values)
                {
                    type.MayHaveWork = true;
                }

                if (now >= nextPoll)
                {
                    nextPoll = now + _options.PollInterval;
                }
            }

            if (_running > 0)
            {
                // Let handlers that are finishing right now land, so one round trip stores them together.
                await Task.Yield();
            }

            TakeFinished();
            StartHeld();
            if (now >= databaseRetryAt)
            {
                try
                {
                    if (now >= nextHeartbeat)
                    {
                        await HeartbeatAsync().ConfigureAwait(false);
                        nextHeartbeat = now + _options.HeartbeatInterval;
                    }

                    var recover = now >= nextRecovery;
                    var more = await StepAsync(claim: true, recover).ConfigureAwait(false);
                    if (recover)
                    {
                        nextRecovery = now + _options.PollInterval;
                    }

                    if (more)
                    {
                        continue;
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    Log.DatabaseFailed(_logger, ex, _options.PollInterval.TotalSeconds);
                    databaseRetryAt = now + _options.PollInterval;
                }
            }

            var wakeAt = nextPoll < nextHeartbeat ? nextPoll : nextHeartbeat;
            if (databaseRetryAt > now && databaseRetryAt < wakeAt)
            {
                wakeAt = databaseRetryAt;
            }

            await WaitAsync(wakeAt, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One round trip: stores pending outcomes and, when <paramref name="claim"/>, claims what the free
    /// slots allow. True when there is more to do right away (outcomes left, or slots filled and more may wait).
    /// </summary>
    private async Task<bool> StepAsync(bool claim, bool recoverExpired)
    {
        List<TypeClaim>? claims = null;
        var total = 0;
        List<string>? busy = null;
        var globalFree = _options.MaxConcurrency - _running;
        if (claim && globalFree > 0)
        {
            total = Math.Min(globalFree, _options.ClaimBatchSize);
            foreach (var type in _types.Values)
            {
                var free = type.Concurrency - type.Running;
                if (free > 0 && type.MayHaveWork)
                {
                    (claims ??= []).Add(new TypeClaim(type.Type, Math.Min(free, total)));
                }
            }

            busy = claims is null ? null : BusyKeys();
        }

        var outcomes = _pending.Count == 0 ? [] : _pending.GetRange(0, Math.Min(_pending.Count, 500));
        if (outcomes.Count == 0 && claims is null)
        {
            return false;
        }

        var (applied, jobs) = await _queue.CompleteAndClaimAsync(WorkerId, outcomes, claims ?? [], total, busy ?? [], recoverExpired, _databaseStop.Token).ConfigureAwait(false);
        if (outcomes.Count > 0)
        {
            _pending.RemoveRange(0, outcomes.Count);
            if (applied < outcomes.Count)
            {
                Log.CompletionsFenced(_logger, outcomes.Count - applied);
            }

            Interlocked.Add(ref _stored, outcomes.Count);
            OutcomesStored?.Invoke();
        }

        if (claims is null)
        {
            return _pending.Count > 0;
        }

        var cutByTotal = jobs.Count >= total;
        foreach (var typeClaim in claims)
        {
            // A type that got all it asked for (or lost some to the global cut) may have more waiting.
            var got = 0;
            foreach (var job in jobs)
            {
                if (job.Type == typeClaim.Type)
                {
                    got++;
                }
            }

            _types[typeClaim.Type].MayHaveWork = cutByTotal || got >= typeClaim.Limit;
        }

        foreach (var job in jobs)
        {
            Accept(job);
        }

        return _pending.Count > 0
            || (jobs.Count > 0 && _running < _options.MaxConcurrency && _types.Values.Any(t => t.MayHaveWork && t.Running < t.Concurrency));
    }

    /// <summary>The keys at their limit, as <c>type␟key</c>, remembered so their type is claimed again when they free up.</summary>
    private List<string> BusyKeys()
    {
        var busy = new List<string>();
        foreach (var key in _keys.Values)
        {
            key.Limit = LimitOf(key.Type, key.Key);
            key.Excluded = key.Running + key.Held.Count >= key.Limit;
            if (key.Excluded)
            {
                busy.Add(key.Type + '\u001f' + key.Key);
            }
        }

        return busy;
    }

    private int LimitOf(string type, string key)
    {
        var limit = _options.ConcurrencyKeyLimit is { } callback ? callback(type, key) : _options.DefaultConcurrencyKeyLimit;
        return Math.Max(1, limit);
    }

    private void Accept(ClaimedJob job)
    {
        _active[job.Id] = job;
        var type = _types[job.Type];
        if (job.ConcurrencyKey is null)
        {
            if (HasSlot(type))
            {
                Start(job, type, null);
            }
            else
            {
                Release(job);
            }

            return;
        }

        var slotKey = (job.Type, job.ConcurrencyKey);
        if (!_keys.TryGetValue(slotKey, out var key))
        {
            key = new KeySlot(job.Type, job.ConcurrencyKey) { Limit = LimitOf(job.Type, job.ConcurrencyKey) };
            _keys[slotKey] = key;
        }

        if (key.Held.Count == 0 && key.Running < key.Limit && HasSlot(type))
        {
            Start(job, type, key);
        }
        else if (key.Held.Count < _options.MaxHeldPerKey)
        {
            key.Held.Enqueue(job);
        }
        else
        {
            Release(job);
            ForgetIfIdle(key);
        }
    }

    private bool HasSlot(TypeSlot type) => _running < _options.MaxConcurrency && type.Running < type.Concurrency;

    private void Release(ClaimedJob job)
    {
        _active.Remove(job.Id);
        _pending.Add(JobCompletion.Release(job));

        // The job is back in the queue: claim its type again as soon as a slot (or its key) frees
        // up, rather than at the next poll.
        _types[job.Type].MayHaveWork = true;
        if (job.ConcurrencyKey is not null && _keys.TryGetValue((job.Type, job.ConcurrencyKey), out var key))
        {
            key.Excluded = true;
        }
    }

    private void Start(ClaimedJob job, TypeSlot type, KeySlot? key)
    {
        _running++;
        type.Running++;
        if (key is not null)
        {
            key.Running++;
        }

        _ = Task.Run(() => RunAsync(job, type.Handler));
    }

    private async Task RunAsync(ClaimedJob job, IJobHandler handler)
    {
        JobOutcome? outcome;
        try
        {
            outcome = await handler.HandleAsync(new JobContext(job), _handlerStop.Token).ConfigureAwait(false)
                ?? JobOutcome.Retry("The handler returned no outcome.");
        }
        catch (OperationCanceledException) when (_handlerStop.IsCancellationRequested)
        {
            outcome = null;
        }
        catch (Exception ex)
        {
            Log.HandlerThrew(_logger, ex, job.Id, job.Type, job.Attempts);
            outcome = JobOutcome.Retry($"{ex.GetType().Name}: {ex.Message}");
        }

        _finished.Enqueue(new JobCompletion(job, outcome));
        _wake.Set();
    }

    private void TakeFinished()
    {
        while (_finished.TryDequeue(out var completion))
        {
            var job = completion.Job;
            var type = _types[job.Type];
            _running--;
            type.Running--;
            if (job.ConcurrencyKey is not null && _keys.TryGetValue((job.Type, job.ConcurrencyKey), out var key))
            {
                key.Running--;
                if (key.Excluded)
                {
                    type.MayHaveWork = true;
                }

                ForgetIfIdle(key);
            }

            _active.Remove(job.Id);
            if (!_lost.Remove(job.Id))
            {
                _pending.Add(completion);
            }

            LogOutcome(completion);
        }
    }

    private void StartHeld()
    {
        List<KeySlot>? idle = null;
        foreach (var key in _keys.Values)
        {
            var type = _types[key.Type];
            while (key.Held.Count > 0 && key.Running < key.Limit && HasSlot(type))
            {
                var job = key.Held.Dequeue();
                if (_lost.Remove(job.Id))
                {
                    continue;
                }

                Start(job, type, key);
            }

            if (key.Running == 0 && key.Held.Count == 0)
            {
                (idle ??= []).Add(key);
            }
        }

        foreach (var key in idle ?? [])
        {
            _keys.Remove((key.Type, key.Key));
        }
    }

    private void ForgetIfIdle(KeySlot key)
    {
        if (key.Running == 0 && key.Held.Count == 0)
        {
            _keys.Remove((key.Type, key.Key));
        }
    }

    private async Task FlushAsync()
    {
        while (await StepAsync(claim: false, recoverExpired: false).ConfigureAwait(false))
        {
        }
    }

    private async Task HeartbeatAsync()
    {
        if (_active.Count == 0)
        {
            return;
        }

        var ids = _active.Keys.ToArray();
        var renewed = await _queue.RenewAsync(WorkerId, ids, _databaseStop.Token).ConfigureAwait(false);
        foreach (var id in ids)
        {
            if (!renewed.Contains(id) && _active.Remove(id, out var job))
            {
                // Someone else holds it now: its outcome here must not be stored, and a held copy must not start.
                _lost.Add(id);
                Log.LeaseLost(_logger, id, job.Type);
            }
        }
    }

    /// <summary>Waits for a signal or until the clock reads <paramref name="wakeAt"/>, whichever comes first.</summary>
    private Task WaitAsync(DateTimeOffset wakeAt, CancellationToken cancellationToken) =>
        DelayUntilAsync(_time, wakeAt, _wake.WaitAsync(), cancellationToken);

    /// <summary>
    /// Waits until <paramref name="time"/> reads at least <paramref name="at"/> (or <paramref name="wake"/>
    /// completes). The delay is measured from a fresh reading and the clock is read again once the
    /// timer is armed: a clock that jumps between the loop's reading and the arming (a test's fake
    /// clock advanced from another thread, a machine resumed from sleep) cannot push the wake-up
    /// one whole delay past <paramref name="at"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Only without <paramref name="wake"/>, when <paramref name="cancellationToken"/> fires.</exception>
    internal static async Task DelayUntilAsync(TimeProvider time, DateTimeOffset at, Task? wake, CancellationToken cancellationToken)
    {
        var delay = at - time.GetUtcNow();
        if (delay <= TimeSpan.Zero || wake is { IsCompleted: true })
        {
            return;
        }

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var elapsed = Task.Delay(delay, time, timer.Token);
        try
        {
            if (time.GetUtcNow() < at)
            {
                await (wake is null ? elapsed : Task.WhenAny(wake, elapsed)).ConfigureAwait(false);
            }
        }
        finally
        {
            await timer.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stopping: no more claims; held jobs go back unrun; running jobs get
    /// <see cref="JobsOptions.ShutdownTimeout"/> to finish, then their cancellation token fires and,
    /// shortly after, whatever still runs is left to its lease. Outcomes are stored as they come.
    /// </summary>
    private async Task DrainAsync()
    {
        foreach (var key in _keys.Values)
        {
            while (key.Held.TryDequeue(out var job))
            {
                Release(job);
            }
        }

        Log.Stopping(_logger, WorkerId, _running);
        var start = _time.GetUtcNow();
        var graceEnd = start + _options.ShutdownTimeout;
        var hardEnd = graceEnd + TimeSpan.FromSeconds(2);
        var nextHeartbeat = start + _options.HeartbeatInterval;
        if (_options.ShutdownTimeout <= TimeSpan.Zero)
        {
            await _handlerStop.CancelAsync().ConfigureAwait(false);
        }

        using var grace = _time.CreateTimer(_ => _handlerStop.Cancel(), null, _options.ShutdownTimeout, Timeout.InfiniteTimeSpan);
        using var abandon = _time.CreateTimer(_ => _databaseStop.Cancel(), null, hardEnd - start + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        while (true)
        {
            TakeFinished();
            try
            {
                await FlushAsync().ConfigureAwait(false);
                if (_running > 0 && _time.GetUtcNow() >= nextHeartbeat)
                {
                    await HeartbeatAsync().ConfigureAwait(false);
                    nextHeartbeat = _time.GetUtcNow() + _options.HeartbeatInterval;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || _databaseStop.IsCancellationRequested)
            {
                Log.DatabaseFailed(_logger, ex, 0);
                if (_databaseStop.IsCancellationRequested)
                {
                    break;
                }
            }

            var now = _time.GetUtcNow();
            if ((_running == 0 && _pending.Count == 0) || now >= hardEnd)
            {
                break;
            }

            var wakeAt = nextHeartbeat < hardEnd ? nextHeartbeat : hardEnd;
            await WaitAsync(wakeAt, CancellationToken.None).ConfigureAwait(false);
        }

        Log.Stopped(_logger, WorkerId, _running, _pending.Count);
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _queue.ListenAsync(OnSignal, () =>
                {
                    // Anything enqueued while we were not listening.
                    OnSignal();
                    _listening.TrySetResult();
                    backoff = TimeSpan.FromSeconds(1);
                    Log.Listening(_logger, JobQueue.NotifyChannel);
                }, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenFailed(_logger, ex, backoff.TotalSeconds);
                try
                {
                    await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < MaxListenBackoff ? backoff * 2 : MaxListenBackoff;
            }
        }
    }

    private async Task MaintainAsync(CancellationToken stoppingToken)
    {
        // At start (a process that restarts more often than hourly still cleans up), then every interval.
        var now = _time.GetUtcNow();
        var nextRetry = now;
        var nextCleanup = now;
        while (!stoppingToken.IsCancellationRequested)
        {
            now = _time.GetUtcNow();
            var next = nextRetry < nextCleanup ? nextRetry : nextCleanup;
            if (next > now)
            {
                try
                {
                    await DelayUntilAsync(_time, next, null, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                if (now >= nextRetry)
                {
                    nextRetry = now + _options.DeadLetterRetryInterval;
                    var requeued = await _queue.RetryDeadLettersAsync(stoppingToken).ConfigureAwait(false);
                    if (requeued > 0)
                    {
                        Log.DeadLettersRetried(_logger, requeued);
                    }
                }

                if (now >= nextCleanup)
                {
                    nextCleanup = now + _options.CleanupInterval;
                    var removed = await _queue.CleanupAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        Log.CleanedUp(_logger, removed, _options.FinishedRetention.TotalDays);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.MaintenanceFailed(_logger, ex);
            }

            _maintenancePasses.Release();
        }
    }

    private void LogOutcome(JobCompletion completion)
    {
        var (job, outcome) = completion;
        switch (outcome?.Kind)
        {
            case JobOutcomeKind.Retry when job.Attempts >= job.MaxAttempts:
            case JobOutcomeKind.Fail:
                Log.DeadLettered(_logger, job.Id, job.Type, job.Attempts, outcome.Message);
                break;
            case JobOutcomeKind.Retry:
                Log.WillRetry(_logger, job.Id, job.Type, job.Attempts, job.MaxAttempts, outcome.Message);
                break;
            case JobOutcomeKind.Postpone:
                Log.Postponed(_logger, job.Id, job.Type, outcome.Message);
                break;
        }
    }

    private sealed class TypeSlot(string type, IJobHandler handler, int concurrency)
    {
        public string Type { get; } = type;

        public IJobHandler Handler { get; } = handler;

        public int Concurrency { get; } = concurrency;

        public int Running { get; set; }

        public bool MayHaveWork { get; set; } = true;
    }

    private sealed class KeySlot(string type, string key)
    {
        public string Type { get; } = type;

        public string Key { get; } = key;

        public int Limit { get; set; }

        public int Running { get; set; }

        public bool Excluded { get; set; }

        public Queue<ClaimedJob> Held { get; } = new();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Job processor {WorkerId} started for {Types}, at most {MaxConcurrency} jobs at a time")]
        public static partial void Started(ILogger logger, string workerId, string types, int maxConcurrency);

        [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Job processor {WorkerId} stopping with {Running} jobs running")]
        public static partial void Stopping(ILogger logger, string workerId, int running);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Job processor {WorkerId} stopped; {Running} jobs left to their leases, {Unsaved} outcomes not stored")]
        public static partial void Stopped(ILogger logger, string workerId, int running, int unsaved);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Error, Message = "The job queue's database failed; trying again in {RetrySeconds} s")]
        public static partial void DatabaseFailed(ILogger logger, Exception exception, double retrySeconds);

        [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Job {JobId} ({Type}) threw on attempt {Attempt}; it will be retried")]
        public static partial void HandlerThrew(ILogger logger, Exception exception, long jobId, string type, int attempt);

        [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "Job {JobId} ({Type}) failed attempt {Attempt} of {MaxAttempts}: {Error}")]
        public static partial void WillRetry(ILogger logger, long jobId, string type, int attempt, int maxAttempts, string? error);

        [LoggerMessage(EventId = 6107, Level = LogLevel.Error, Message = "Job {JobId} ({Type}) dead-lettered after {Attempts} attempts: {Error}")]
        public static partial void DeadLettered(ILogger logger, long jobId, string type, int attempts, string? error);

        [LoggerMessage(EventId = 6108, Level = LogLevel.Information, Message = "Job {JobId} ({Type}) postponed: {Reason}")]
        public static partial void Postponed(ILogger logger, long jobId, string type, string? reason);

        [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "Lost the lease of job {JobId} ({Type}): it ran out and another worker claimed the job; this run's outcome will not be stored")]
        public static partial void LeaseLost(ILogger logger, long jobId, string type);

        [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "{Count} job outcomes were not stored: their leases had run out and the jobs were claimed again")]
        public static partial void CompletionsFenced(ILogger logger, int count);

        [LoggerMessage(EventId = 6111, Level = LogLevel.Debug, Message = "Listening for new jobs on PostgreSQL channel {Channel}")]
        public static partial void Listening(ILogger logger, string channel);

        [LoggerMessage(EventId = 6112, Level = LogLevel.Warning, Message = "The PostgreSQL job listener failed; reconnecting in {RetrySeconds} s (polling meanwhile)")]
        public static partial void ListenFailed(ILogger logger, Exception exception, double retrySeconds);

        [LoggerMessage(EventId = 6113, Level = LogLevel.Information, Message = "Re-queued {Count} dead-lettered jobs")]
        public static partial void DeadLettersRetried(ILogger logger, int count);

        [LoggerMessage(EventId = 6114, Level = LogLevel.Information, Message = "Removed {Count} finished jobs older than {Days} days")]
        public static partial void CleanedUp(ILogger logger, int count, double days);

        [LoggerMessage(EventId = 6115, Level = LogLevel.Error, Message = "A job queue maintenance pass failed; the next one tries again")]
        public static partial void MaintenanceFailed(ILogger logger, Exception exception);
    }
}
