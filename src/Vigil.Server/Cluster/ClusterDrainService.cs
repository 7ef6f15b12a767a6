using Vigil.Server.Alerts;

namespace Vigil.Server.Cluster;

/// <summary>
/// The first step of a graceful stop (SIGTERM), registered last so the host stops it first: ingest
/// calls get 503 with <c>Retry-After</c> (and readiness is already false), the evaluator's role is
/// given up after the pass in progress so another node evaluates from its next tick, and the
/// heartbeat says so at once. The services stopped after it finish the rest: the job processor
/// finishes or releases its claimed jobs, the rollup flusher writes every in-memory minute, and the
/// heartbeat removes this node.
/// </summary>
internal sealed partial class ClusterDrainService(ClusterDrain drain, AlertEngine engine, ClusterHeartbeat heartbeat, ILogger<ClusterDrainService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        drain.Begin();
        LogDraining();
        try
        {
            await engine.ResignAsync(cancellationToken).ConfigureAwait(false);
            await heartbeat.BeatAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDrainStepFailed(ex);
        }
    }

    [LoggerMessage(EventId = 4801, Level = LogLevel.Information, Message = "Draining: ingest answers 503, the evaluator's role is given up, claimed jobs finish or go back")]
    private partial void LogDraining();

    [LoggerMessage(EventId = 4802, Level = LogLevel.Warning, Message = "A drain step failed; the shutdown goes on")]
    private partial void LogDrainStepFailed(Exception exception);
}
