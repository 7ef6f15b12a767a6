using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Storage.Cluster;

namespace Vigil.Server.Cluster;

/// <summary>
/// Writes this process's heartbeat to <c>cluster_nodes</c> every
/// <see cref="ClusterOptions.HeartbeatInterval"/>: its ingest rate since the previous beat, its
/// evaluation lag and roles, whether it drains. Registered before the services that drain at
/// shutdown, so it stops after them and then deletes its row.
/// </summary>
internal sealed partial class ClusterHeartbeat(
    ClusterNodeRepository nodes,
    NodeIdentity identity,
    ClusterDrain drain,
    MetricStore store,
    EvaluationLeader leader,
    AlertEngine engine,
    TimeProvider time,
    IOptions<ClusterOptions> options,
    ILogger<ClusterHeartbeat> logger) : BackgroundService
{
    /// <summary>The role name of the alert evaluator.</summary>
    public const string EvaluatorRole = "evaluator";

    private static readonly TimeSpan SilentRowLifetime = TimeSpan.FromHours(1);
    private readonly Lock _lock = new();

    // One beat at a time, its state read inside: a beat that read the state before another
    // (the first periodic beat, which reads the role before the first pass) cannot land after
    // it and overwrite the newer state until the next beat.
    private readonly SemaphoreSlim _beatGate = new(1, 1);
    private long _lastPoints = -1;
    private long _lastTimestamp;

    /// <summary>Writes one heartbeat now (also when draining begins, so the others see it at once).</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        await _beatGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            var rate = IngestRate();
            var evaluates = leader.IsLeader;
            var lag = evaluates && engine.LastPassAt is { } last ? now - last : (TimeSpan?)null;
            await nodes.BeatAsync(
                new ClusterNode(identity.NodeId, identity.Host, identity.Pid, identity.Version, identity.StartedAt, now, rate, lag, evaluates ? [EvaluatorRole] : [], drain.IsDraining),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _beatGate.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Everything else has drained: this node leaves the list.
            await nodes.RemoveAsync(identity.NodeId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogHeartbeatFailed(ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.HeartbeatInterval;
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    await BeatAsync(stoppingToken).ConfigureAwait(false);
                    await nodes.RemoveSilentAsync(time.GetUtcNow() - SilentRowLifetime, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogHeartbeatFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Points accepted per second since the previous beat (0 at the first).
    private double IngestRate()
    {
        lock (_lock)
        {
            var points = store.IngestedPoints;
            var timestamp = time.GetTimestamp();
            var rate = _lastPoints < 0 ? 0 : (points - _lastPoints) / Math.Max(time.GetElapsedTime(_lastTimestamp, timestamp).TotalSeconds, 0.001);
            _lastPoints = points;
            _lastTimestamp = timestamp;
            return rate;
        }
    }

    [LoggerMessage(EventId = 4800, Level = LogLevel.Warning, Message = "The cluster heartbeat could not be written")]
    private partial void LogHeartbeatFailed(Exception exception);
}
