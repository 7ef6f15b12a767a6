using Vigil.Core;
using Vigil.Core.Metrics;
using Vigil.Server.Cluster;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Persistence;

/// <summary>
/// Moves aggregates between memory and the database: writes the 1-minute rollups of changed
/// minutes, merges points older than the in-memory window straight into the rollups, and
/// restores the last hour into memory at start-up (with shared aggregates, the last minutes from
/// the other processes' shipments, <see cref="AggregateSharing"/>).
/// </summary>
internal sealed partial class MetricPersistence
{
    private readonly MetricStore _store;
    private readonly RollupRepository _rollups;
    private readonly AggregateSharing _sharing;
    private readonly TimeProvider _time;
    private readonly ILogger<MetricPersistence> _logger;

    // One flush at a time: a flush that finds nothing left to take still returns only once the
    // flush that took it has written it (the timer's and an explicit one may overlap).
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public MetricPersistence(MetricStore store, RollupRepository rollups, AggregateSharing sharing, TimeProvider time, ILogger<MetricPersistence> logger)
    {
        _store = store;
        _rollups = rollups;
        _sharing = sharing;
        _time = time;
        _logger = logger;
    }

    /// <summary>Loads the rollups of the in-memory window back into the store.</summary>
    public async Task<int> RestoreAsync(CancellationToken cancellationToken)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var fromMs = _store.MemoryHorizonMs - 60_000;

        // Shared aggregates: the rollup writer may not have written the last minutes yet (or not
        // all of them); those come from the shipments instead.
        var toMs = _sharing.Enabled ? FloorDivision.Of(nowMs - (long)AggregateSharing.RecentMinutes.TotalMilliseconds, 60_000) * 60_000 : long.MaxValue;
        var series = (await _rollups.SeriesSinceAsync(fromMs, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Id);
        var restored = 0;
        MetricSeries? current = null;
        long currentId = 0;
        foreach (var (seriesId, rollup) in await _rollups.ReadAsync(fromMs, toMs, cancellationToken).ConfigureAwait(false))
        {
            if (seriesId != currentId || current is null)
            {
                currentId = seriesId;
                current = null;
                if (series.TryGetValue(seriesId, out var stored) && MetricTypeNames.TryParse(stored.Type, out var type))
                {
                    current = _store.GetOrCreate(stored.Name, LabelSet.ParseKeyLabels(stored.Key), type, stored.Owner);
                    if (current is not null)
                    {
                        current.StorageId = seriesId;
                    }
                }
            }

            if (current is not null)
            {
                current.Restore(rollup);
                restored++;
            }
        }

        restored += await _sharing.RestoreAsync(toMs, cancellationToken).ConfigureAwait(false);
        LogRestored(restored, series.Count, _time.GetUtcNow().ToUnixTimeMilliseconds() - nowMs);
        return restored;
    }

    /// <summary>
    /// Writes the rollups of changed minutes that ended before <paramref name="closedBeforeMs"/>;
    /// when it returns, every minute changed before the call is written (by it or by a flush it waited for).
    /// </summary>
    public async Task<int> FlushAsync(long closedBeforeMs, CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await FlushLockedAsync(closedBeforeMs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task<int> FlushLockedAsync(long closedBeforeMs, CancellationToken cancellationToken)
    {
        var pending = new List<(MetricSeries Series, Rollup Rollup)>();
        foreach (var series in _store.AllSeries)
        {
            foreach (var rollup in series.TakeDirtyRollups(closedBeforeMs))
            {
                pending.Add((series, rollup));
            }
        }

        // A series dropped since (DELETE /api/v1/series) is not written back.
        pending.RemoveAll(p => p.Series.IsDropped);
        if (pending.Count == 0)
        {
            return 0;
        }

        try
        {
            if (BeforeWrite is { } hook)
            {
                await hook(cancellationToken).ConfigureAwait(false);
            }

            await EnsureIdsAsync(pending.Select(p => p.Series), cancellationToken).ConfigureAwait(false);
            await _rollups.UpsertAsync([.. pending.Select(p => new StoredRollup(p.Series.StorageId, p.Rollup))], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing is lost: the minutes are marked changed again and the next flush retries.
            foreach (var (series, rollup) in pending)
            {
                series.MarkDirty(rollup.MinuteStartMs);
            }

            throw;
        }

        await DeleteDroppedAsync(pending.Select(p => p.Series), cancellationToken).ConfigureAwait(false);
        return pending.Count;
    }

    /// <summary>Merges points older than the in-memory window into the stored rollups.</summary>
    public async Task PersistLateAsync(IReadOnlyList<(MetricSeries Series, MetricPoint Point)> late, CancellationToken cancellationToken)
    {
        if (late.Count == 0)
        {
            return;
        }

        var rollups = new List<(MetricSeries Series, Rollup Rollup)>();
        foreach (var group in late.GroupBy(item => item.Series))
        {
            rollups.AddRange(MetricSeries.RollupsOf(group.Key, group.Select(item => item.Point)).Select(r => (group.Key, r)));
        }

        await EnsureIdsAsync(rollups.Select(r => r.Series), cancellationToken).ConfigureAwait(false);
        await _rollups.MergeAsync([.. rollups.Select(r => new StoredRollup(r.Series.StorageId, r.Rollup))], cancellationToken).ConfigureAwait(false);
        await DeleteDroppedAsync(rollups.Select(r => r.Series), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes rollups older than the retention.</summary>
    public Task<int> DeleteExpiredAsync(CancellationToken cancellationToken) =>
        _rollups.DeleteBeforeAsync(_time.GetUtcNow().ToUnixTimeMilliseconds() - (long)_store.Options.RollupRetention.TotalMilliseconds, cancellationToken);

    /// <summary>Runs after the rollups to write are taken (and those of dropped series left out), before they are written; for tests.</summary>
    internal Func<CancellationToken, Task>? BeforeWrite { get; set; }

    /// <summary>
    /// Deletes what was just written of series dropped meanwhile (<c>DELETE /api/v1/series</c>).
    /// Their delete may have run between taking the rollups and writing them, so that the write
    /// stored the series anew (a series not stored before) and its rollups behind it; a series
    /// dropped after this check has its delete run after the write, which removes the rows itself.
    /// (A series stored before whose rows the delete removed fails the write on its foreign key
    /// instead: the flush is retried, and the dropped series is no longer in it.)
    /// </summary>
    private async Task DeleteDroppedAsync(IEnumerable<MetricSeries> written, CancellationToken cancellationToken)
    {
        var dropped = written.Where(s => s.IsDropped && s.StorageId != 0).Select(s => s.StorageId).Distinct().ToList();
        if (dropped.Count > 0)
        {
            await _rollups.DeleteSeriesAsync(dropped, cancellationToken).ConfigureAwait(false);
            LogDroppedWhileWriting(dropped.Count);
        }
    }

    private async Task EnsureIdsAsync(IEnumerable<MetricSeries> series, CancellationToken cancellationToken)
    {
        var missing = series.Where(s => s.StorageId == 0).Distinct().Select(s => (Series: s, Key: s.Key)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var ids = await _rollups.EnsureSeriesAsync(
            [.. missing.Select(m => (m.Key, m.Series.Name, m.Series.Type, m.Series.Owner))], _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        foreach (var (s, key) in missing)
        {
            s.StorageId = ids[key];
        }
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Deleted the rollups just written of {Series} series dropped while they were written")]
    private partial void LogDroppedWhileWriting(int series);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Restored {Rollups} rollups of {Series} series in {ElapsedMs} ms")]
    private partial void LogRestored(int rollups, int series, long elapsedMs);
}
