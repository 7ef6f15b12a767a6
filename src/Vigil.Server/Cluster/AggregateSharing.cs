using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Storage;
using Vigil.Storage.Coordination;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Cluster;

/// <summary>
/// One view of the data whichever process received it (PostgreSQL, <c>Vigil:Cluster:ShareAggregates</c>).
/// Every <see cref="ClusterOptions.ShareInterval"/> this process ships the 10-second partial rollups
/// of the points it received since its last shipment (<c>metric_partials</c>) and merges in what
/// the others shipped since its cursor for each of them. So every process's in-memory series hold
/// every process's points — queries, rule evaluation and backtests see them all — and one process
/// (the rollup writer, a role like the evaluator's) writes the rollups from that full view; the
/// others write none. A point is shipped once by the process that received it, merged once by each
/// of the others (per-process cursors), and never shipped again. See docs/SCALING.md.
/// </summary>
internal sealed partial class AggregateSharing : BackgroundService
{
    /// <summary>How long shipments are kept: a process starting reads the recent minutes from them.</summary>
    public static readonly TimeSpan ShipmentLifetime = TimeSpan.FromMinutes(15);

    /// <summary>At a start, the minutes from this long ago on come from the shipments, the older ones from the rollups.</summary>
    public static readonly TimeSpan RecentMinutes = TimeSpan.FromMinutes(2);

    private const long RollupWriterLockKey = 0x56_49_47_49_4C_03; // "VIGIL" + 3
    private const int ReadLimit = 50_000;
    private const int MaxUnsent = 1_000_000;

    private readonly MetricStore _store;
    private readonly MetricPartialRepository _partials;
    private readonly NodeIdentity _identity;
    private readonly TimeProvider _time;
    private readonly ClusterOptions _options;
    private readonly ILogger<AggregateSharing> _logger;
    private readonly ExclusiveRole _writer;
    private readonly SemaphoreSlim _shipping = new(1, 1);
    private readonly Dictionary<string, long> _cursors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _heardAt = new(StringComparer.Ordinal);
    private List<MetricPartial> _unsent = [];
    private long _refused;

    public AggregateSharing(MetricStore store, MetricPartialRepository partials, NodeIdentity identity, Database database, TimeProvider time, IOptions<ClusterOptions> options, ILogger<AggregateSharing> logger)
    {
        _store = store;
        _partials = partials;
        _identity = identity;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _writer = new ExclusiveRole(database, RollupWriterLockKey);
        Enabled = IsEnabled(database, _options);
    }

    /// <summary>Whether processes on this database with these settings share their aggregates.</summary>
    public static bool IsEnabled(Database database, ClusterOptions options) =>
        database.Provider == StorageProvider.Postgres && options.ShareAggregates;

    /// <summary>Whether this process shares its aggregates with the others (PostgreSQL and the setting on).</summary>
    public bool Enabled { get; }

    /// <summary>
    /// Whether this process writes the rollups: always without sharing; with it, the holder of the
    /// rollup writer's role (taken when free, so another process takes over when the writer dies).
    /// </summary>
    public async ValueTask<bool> WritesRollupsAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return true;
        }

        var check = await _writer.CheckAsync(cancellationToken).ConfigureAwait(false);
        if (check.State == RoleState.Acquired)
        {
            LogBecameWriter();
        }

        return check.IsHeld;
    }

    /// <summary>Stopping: after the last write, another process may write the rollups.</summary>
    public ValueTask ResignWriterAsync(CancellationToken cancellationToken) => _writer.ResignAsync(cancellationToken);

    /// <summary>
    /// At a start, after the rollups older than <paramref name="fromMinuteMs"/> were restored: merges
    /// in the shipments of the minutes from it on, and sets the cursors past them.
    /// </summary>
    public async Task<int> RestoreAsync(long fromMinuteMs, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return 0;
        }

        var cursors = await _partials.CursorsAsync(_identity.NodeId, cancellationToken).ConfigureAwait(false);
        var rows = await _partials.ReadUpToAsync(cursors, fromMinuteMs, cancellationToken).ConfigureAwait(false);
        foreach (var (_, _, partial) in rows)
        {
            Merge(partial);
        }

        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (node, cursor) in cursors)
        {
            _cursors[node] = cursor;
            _heardAt[node] = nowMs;
        }

        return rows.Count;
    }

    /// <summary>Ships what this process received since its last shipment (and what failed to go before).</summary>
    public async Task<int> ShipAsync(CancellationToken cancellationToken)
    {
        await _shipping.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var shipment = _unsent;
            foreach (var series in _store.TakeSeriesToShip())
            {
                var rollups = series.TakeUnshippedRollups();
                if (series.IsDropped)
                {
                    continue; // DELETE /api/v1/series: its points go with it
                }

                foreach (var rollup in rollups)
                {
                    shipment.Add(new MetricPartial(series.Key, series.Name, series.Type, series.Owner, rollup));
                }
            }

            _unsent = [];
            if (shipment.Count == 0)
            {
                return 0;
            }

            try
            {
                await _partials.AppendAsync(_identity.NodeId, _time.GetUtcNow().ToUnixTimeMilliseconds(), shipment, cancellationToken).ConfigureAwait(false);
                return shipment.Count;
            }
            catch
            {
                // Kept for the next shipment, within a bound: the points stay counted here either way.
                if (shipment.Count > MaxUnsent)
                {
                    LogUnsentDropped(shipment.Count - MaxUnsent);
                    shipment.RemoveRange(0, shipment.Count - MaxUnsent);
                }

                _unsent = shipment;
                throw;
            }
        }
        finally
        {
            _shipping.Release();
        }
    }

    /// <summary>Merges in what the other processes shipped since this process's cursors.</summary>
    public async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        var rows = await _partials.ReadAfterAsync(_identity.NodeId, _cursors, ReadLimit, cancellationToken).ConfigureAwait(false);
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (node, id, partial) in rows)
        {
            Merge(partial);
            _cursors[node] = Math.Max(_cursors.GetValueOrDefault(node), id);
            _heardAt[node] = nowMs;
        }

        // A process silent for longer than its shipments live has nothing left to read (a process
        // has a new id at each start, so these would pile up).
        var forgetBeforeMs = nowMs - (long)(ShipmentLifetime + ShipmentLifetime / 3).TotalMilliseconds;
        foreach (var (node, heardAt) in _heardAt)
        {
            if (heardAt < forgetBeforeMs)
            {
                _heardAt.Remove(node);
                _cursors.Remove(node);
            }
        }

        return rows.Count;
    }

    /// <summary>
    /// Deletes the shipments of the series of <paramref name="name"/> whose labels match
    /// (<c>DELETE /api/v1/series</c>), so that a process starting later does not restore them.
    /// </summary>
    public async Task DeleteShipmentsAsync(string name, Func<LabelSet, bool> matches, CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            await _partials.DeleteSeriesAsync(name, key => matches(LabelSet.ParseKeyLabels(key)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes shipments older than <see cref="ShipmentLifetime"/> (the rollup writer does).</summary>
    public Task<int> DeleteOldShipmentsAsync(CancellationToken cancellationToken) =>
        _partials.DeleteBeforeAsync((_time.GetUtcNow() - ShipmentLifetime).ToUnixTimeMilliseconds(), cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Enabled)
        {
            await _writer.ResignAsync(CancellationToken.None).ConfigureAwait(false); // after the flusher's last write (it stops first)
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.ShareInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                // Off the thread that moved the clock (a test's fake clock runs what falls due
                // inline): a shipment takes each series' lock and must not hold that thread.
                await Task.Yield();
                try
                {
                    await ShipAsync(stoppingToken).ConfigureAwait(false);
                    while (await ReceiveAsync(stoppingToken).ConfigureAwait(false) >= ReadLimit)
                    {
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogShareFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Merge(MetricPartial partial)
    {
        var series = _store.GetOrCreate(partial.Name, LabelSet.ParseKeyLabels(partial.SeriesKey), partial.Type, partial.Owner);
        if (series is null)
        {
            // Another type under that name, or this process's series bound reached.
            if (Interlocked.Increment(ref _refused) == 1)
            {
                LogRefused(partial.SeriesKey);
            }

            return;
        }

        series.Restore(partial.Rollup);
        series.MarkDirty(partial.Rollup.MinuteStartMs); // whoever writes the rollups writes this minute again
    }

    [LoggerMessage(EventId = 4810, Level = LogLevel.Warning, Message = "Sharing aggregates with the other nodes failed; what was not shipped is retried")]
    private partial void LogShareFailed(Exception exception);

    [LoggerMessage(EventId = 4811, Level = LogLevel.Information, Message = "This node writes the rollups of every node's points")]
    private partial void LogBecameWriter();

    [LoggerMessage(EventId = 4812, Level = LogLevel.Error, Message = "{Count} shipped partial rollups could not be sent for too long and were dropped")]
    private partial void LogUnsentDropped(int count);

    [LoggerMessage(EventId = 4813, Level = LogLevel.Warning, Message = "A series another node shipped was refused here (series bound, or another type under its name): {SeriesKey}; further refusals are not logged")]
    private partial void LogRefused(string seriesKey);
}
