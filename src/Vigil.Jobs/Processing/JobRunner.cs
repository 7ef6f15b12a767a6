using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// Runs handlers on the thread pool and hands their outcomes back to the dispatcher: a handler that
/// throws gets a retry, one cancelled by <see cref="StopAsync"/> gets no outcome (its job goes back unrun).
/// </summary>
internal sealed class JobRunner(WakeEvent wake, ILogger logger) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<JobCompletion> _finished = new();

    public bool Stopped => _stop.IsCancellationRequested;

    public void Start(ClaimedJob job, IJobHandler handler) => _ = Task.Run(() => RunAsync(job, handler));

    /// <summary>The next outcome handed back, if any.</summary>
    public bool TryTakeFinished(out JobCompletion completion) => _finished.TryDequeue(out completion);

    /// <summary>Cancels the running handlers' tokens.</summary>
    public Task StopAsync() => _stop.CancelAsync();

    /// <summary>Cancels the running handlers' tokens from a timer callback.</summary>
    public void Stop() => _stop.Cancel();

    public void Dispose() => _stop.Dispose();

    private async Task RunAsync(ClaimedJob job, IJobHandler handler)
    {
        JobOutcome? outcome;
        try
        {
            outcome = await handler.HandleAsync(new JobContext(job), _stop.Token).ConfigureAwait(false)
                ?? JobOutcome.Retry("The handler returned no outcome.");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            outcome = null;
        }
        catch (Exception ex)
        {
            JobProcessorLog.HandlerThrew(logger, ex, job.Id, job.Type, job.Attempts);
            outcome = JobOutcome.Retry($"{ex.GetType().Name}: {ex.Message}");
        }

        _finished.Enqueue(new JobCompletion(job, outcome));
        wake.Set();
    }
}
