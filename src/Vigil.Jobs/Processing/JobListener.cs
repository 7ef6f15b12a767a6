using Microsoft.Extensions.Logging;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// Keeps the PostgreSQL <c>LISTEN</c> for new jobs (<see cref="JobQueue.ListenAsync"/>) up: wakes
/// the dispatcher on each notification and on every (re)subscription, and reconnects with a
/// doubling back-off (at most 30 s) when the connection fails; the dispatcher polls meanwhile.
/// </summary>
internal sealed class JobListener(JobQueue queue, Action wake, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the listener has subscribed.</summary>
    public Task Listening => _listening.Task;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.ListenAsync(wake, () =>
                {
                    // Anything enqueued while we were not listening.
                    wake();
                    _listening.TrySetResult();
                    backoff = TimeSpan.FromSeconds(1);
                    JobProcessorLog.Listening(logger, JobQueue.NotifyChannel);
                }, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                JobProcessorLog.ListenFailed(logger, ex, backoff.TotalSeconds);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
        }
    }
}
