using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Jobs.Processing;

/// <summary>
/// Runs queued jobs with the registered <see cref="IJobHandler"/>s: the hosted service that wires
/// and starts the parts. <see cref="JobDispatcher"/> claims and stores outcomes in one round trip
/// per step, within the limits kept by <see cref="JobSlots"/> (global, per type, and per concurrency
/// key across types); <see cref="JobRunner"/> runs the handlers; <see cref="JobLeases"/> renews
/// leases; <see cref="JobDrain"/> stops; on PostgreSQL <see cref="JobListener"/> wakes the
/// dispatcher on <c>NOTIFY</c>; <see cref="JobMaintenance"/> re-queues dead letters and cleans up.
/// </summary>
internal sealed class JobProcessor : BackgroundService
{
    private readonly JobQueue _queue;
    private readonly JobsOptions _options;
    private readonly ILogger<JobProcessor> _logger;
    private readonly Dictionary<string, TypeSlot> _types = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _databaseStop = new();
    private readonly JobRunner _runner;
    private readonly JobSlots _slots;
    private readonly JobDispatcher _dispatcher;
    private readonly JobDrain _drain;
    private readonly JobListener _listener;
    private readonly JobMaintenance _maintenance;

    public JobProcessor(JobQueue queue, IEnumerable<IJobHandler> handlers, IOptions<JobsOptions> options, TimeProvider timeProvider, ILogger<JobProcessor> logger)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        _queue = queue;
        _options = options.Value;
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

        var wake = new WakeEvent();
        _runner = new JobRunner(wake, logger);
        _slots = new JobSlots(_options, _types, _runner, logger);
        var leases = new JobLeases(queue, WorkerId, _slots);
        _dispatcher = new JobDispatcher(queue, _options, timeProvider, WorkerId, _slots, leases, wake, _databaseStop.Token, logger);
        _drain = new JobDrain(_options, timeProvider, WorkerId, _slots, _runner, _dispatcher, leases, _databaseStop, logger);
        _listener = new JobListener(queue, _dispatcher.Signal, timeProvider, logger);
        _maintenance = new JobMaintenance(queue, _options, timeProvider, logger);
    }

    /// <summary>This processor's name on its leases.</summary>
    public string WorkerId { get; }

    /// <summary>How many outcomes this processor has stored (releases included); for tests and the benchmark.</summary>
    internal long Stored => _dispatcher.Stored;

    /// <summary>
    /// How many jobs this processor ran to an outcome (releases and lost leases left out), counted
    /// when the dispatcher takes the outcome in, before the round trip that stores it (which then raises
    /// <see cref="OutcomesStored"/>). Unlike <see cref="Stored"/> it does not grow with jobs a full key
    /// or a full processor hands back unrun. For tests and the benchmark.
    /// </summary>
    internal long Completed => _slots.Completed;

    /// <summary>Raised on the dispatcher after each batch of outcomes is stored; for tests and the benchmark.</summary>
    internal event Action? OutcomesStored
    {
        add => _dispatcher.OutcomesStored += value;
        remove => _dispatcher.OutcomesStored -= value;
    }

    /// <summary>Completes once the PostgreSQL listener has subscribed; for tests.</summary>
    internal Task Listening => _listener.Listening;

    /// <summary>Released once after each maintenance pass (dead-letter retry and cleanup); for tests.</summary>
    internal SemaphoreSlim MaintenancePasses => _maintenance.Passes;

    public override void Dispose()
    {
        _runner.Dispose();
        _databaseStop.Dispose();
        _maintenance.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var subscription = _queue.Signal.Subscribe(_dispatcher.Signal);
        var processing = _options.ProcessingEnabled && _types.Count > 0;
        var listener = processing && _queue.Database.Provider == StorageProvider.Postgres ? _listener.RunAsync(stoppingToken) : Task.CompletedTask;
        var maintenance = _options.MaintenanceEnabled && !_options.MaintenanceScheduled ? _maintenance.RunAsync(stoppingToken) : Task.CompletedTask;
        if (processing)
        {
            JobProcessorLog.Started(_logger, WorkerId, string.Join(", ", _types.Keys), _options.MaxConcurrency);
            try
            {
                await _dispatcher.RunAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                await _drain.RunAsync().ConfigureAwait(false);
            }
        }

        await Task.WhenAll(listener, maintenance).ConfigureAwait(false);
    }

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
}
