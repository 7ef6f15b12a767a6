using Vigil.Core.Metrics;

namespace Vigil.Server.Persistence;

/// <summary>
/// Every 10 seconds writes the rollups of minutes that have ended and drops buckets that
/// left the in-memory window; on shutdown writes everything, the current minute included, so a
/// graceful stop loses nothing. Rollups past the retention go with the <c>cleanup</c> schedule
/// (<see cref="RollupRetentionTask"/>).
/// </summary>
internal sealed partial class RollupFlusher : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(30);
    private readonly MetricPersistence _persistence;
    private readonly MetricStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<RollupFlusher> _logger;

    public RollupFlusher(MetricPersistence persistence, MetricStore store, TimeProvider time, ILogger<RollupFlusher> logger)
    {
        _persistence = persistence;
        _store = store;
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
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var flushed = await _persistence.FlushAsync(nowMs - (nowMs % 60_000) + 60_000, bound.Token).ConfigureAwait(false);
            LogFinalFlush(flushed);
        }
        catch (Exception ex)
        {
            LogFlushFailed(ex);
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

    /// <summary>One pass: write ended minutes, then prune memory.</summary>
    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await _persistence.FlushAsync(nowMs - (nowMs % 60_000), cancellationToken).ConfigureAwait(false);
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
