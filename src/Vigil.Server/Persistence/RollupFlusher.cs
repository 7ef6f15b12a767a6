using Vigil.Core.Metrics;
using Vigil.Server.Cluster;

namespace Vigil.Server.Persistence;

/// <summary>
/// Every 10 seconds writes the rollups of minutes that have ended and drops buckets that
/// left the in-memory window; on shutdown writes everything, the current minute included, so a
/// graceful stop loses nothing. Rollups past the retention go with the <c>cleanup</c> schedule
/// (<see cref="RollupRetentionTask"/>). With shared aggregates only the rollup writer writes
/// (its series hold every process's points); the others ship what they received
/// (<see cref="AggregateSharing"/>) and keep the marks of the last minutes in case they take over.
/// </summary>
internal sealed partial class RollupFlusher : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(30);

    // How long a process that does not write keeps a changed minute's mark: a writer that dies
    // is replaced within a flush interval or two, and the new one writes what it still has marked.
    private static readonly TimeSpan KeptMarks = TimeSpan.FromMinutes(5);

    private readonly MetricPersistence _persistence;
    private readonly MetricStore _store;
    private readonly AggregateSharing _sharing;
    private readonly TimeProvider _time;
    private readonly ILogger<RollupFlusher> _logger;
    private long _lastShipmentCleanupMs;

    public RollupFlusher(MetricPersistence persistence, MetricStore store, AggregateSharing sharing, TimeProvider time, ILogger<RollupFlusher> logger)
    {
        _persistence = persistence;
        _store = store;
        _sharing = sharing;
        _time = time;
        _logger = logger;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // The last write must not be cut short by a hurried shutdown: give it its own bound.
        using var bound = new CancellationTokenSource(FinalFlushTimeout);
        try
        {
            if (_sharing.Enabled)
            {
                await _sharing.ShipAsync(bound.Token).ConfigureAwait(false);
            }

            if (await _sharing.WritesRollupsAsync(bound.Token).ConfigureAwait(false))
            {
                var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                var flushed = await _persistence.FlushAsync(nowMs - (nowMs % 60_000) + 60_000, bound.Token).ConfigureAwait(false);
                LogFinalFlush(flushed);
            }
        }
        catch (Exception ex)
        {
            LogFlushFailed(ex);
        }
        finally
        {
            if (_sharing.Enabled)
            {
                await _sharing.ResignWriterAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass: write ended minutes (or, not the writer, forget old marks), then prune memory.</summary>
    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            if (await _sharing.WritesRollupsAsync(cancellationToken).ConfigureAwait(false))
            {
                await _persistence.FlushAsync(nowMs - (nowMs % 60_000), cancellationToken).ConfigureAwait(false);
                if (_sharing.Enabled && nowMs - _lastShipmentCleanupMs >= 60_000)
                {
                    await _sharing.DeleteOldShipmentsAsync(cancellationToken).ConfigureAwait(false);
                    _lastShipmentCleanupMs = nowMs;
                }
            }
            else
            {
                var forgetBeforeMs = nowMs - (long)KeptMarks.TotalMilliseconds;
                foreach (var series in _store.AllSeries)
                {
                    series.ForgetDirty(forgetBeforeMs);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(ex);
        }

        _store.Prune();
    }

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Writing rollups failed; the minutes stay in memory and are retried")]
    private partial void LogFlushFailed(Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Wrote {Rollups} rollups at shutdown")]
    private partial void LogFinalFlush(int rollups);
}
