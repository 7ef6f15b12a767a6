using Microsoft.Extensions.Options;

namespace Vigil.Server.Alerts;

/// <summary>
/// When the engine evaluates: a full pass every <see cref="AlertOptions.EvaluationInterval"/>,
/// and in between, a moment (<see cref="AlertOptions.EvaluationDebounce"/>) after points
/// arrive, a pass over the rules of the metrics that received them, so one burst of ingest is
/// one pass. A pass that throws is counted and logged by the engine; the next one tries again.
/// </summary>
internal sealed class EvaluationScheduler(AlertEngine engine, EvaluationTrigger trigger, TimeProvider time, IOptions<AlertOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.EvaluationEnabled)
        {
            return;
        }

        var nextFull = time.GetUtcNow() + settings.EvaluationInterval;
        Task? changes = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                changes ??= trigger.WaitAsync(stoppingToken);
                var untilFull = nextFull - time.GetUtcNow();
                if (untilFull > TimeSpan.Zero)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var timer = Task.Delay(untilFull, time, wait.Token);
                    if (await Task.WhenAny(changes, timer).ConfigureAwait(false) == changes)
                    {
                        await wait.CancelAsync().ConfigureAwait(false);
                        await changes.ConfigureAwait(false); // rethrows a cancellation at shutdown
                        changes = null;
                        await Task.Delay(settings.EvaluationDebounce, time, stoppingToken).ConfigureAwait(false);
                        await GuardAsync(ct => engine.RunForMetricsAsync(trigger.Take(), ct), stoppingToken).ConfigureAwait(false);
                        continue;
                    }
                }

                stoppingToken.ThrowIfCancellationRequested();
                nextFull = time.GetUtcNow() + settings.EvaluationInterval;
                await GuardAsync(engine.RunOnceAsync, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task GuardAsync(Func<CancellationToken, Task<bool>> pass, CancellationToken stoppingToken)
    {
        try
        {
            await pass(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            engine.PassFailed(ex);
        }
    }
}
