using Microsoft.Extensions.Logging;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// The queue's maintenance loop: re-queues dead letters every <see cref="JobsOptions.DeadLetterRetryInterval"/>
/// and removes old finished jobs every <see cref="JobsOptions.CleanupInterval"/>, both once at start
/// (a process that restarts more often than that still cleans up). Safe on several processes at once.
/// </summary>
internal sealed class JobMaintenance(JobQueue queue, JobsOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    /// <summary>Released once after each pass; for tests.</summary>
    public SemaphoreSlim Passes { get; } = new(0);

    public void Dispose() => Passes.Dispose();

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var nextRetry = now;
        var nextCleanup = now;
        while (!stoppingToken.IsCancellationRequested)
        {
            now = time.GetUtcNow();
            var next = nextRetry < nextCleanup ? nextRetry : nextCleanup;
            if (next > now)
            {
                try
                {
                    await JobProcessor.DelayUntilAsync(time, next, null, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            try
            {
                if (now >= nextRetry)
                {
                    nextRetry = now + options.DeadLetterRetryInterval;
                    var requeued = await queue.RetryDeadLettersAsync(stoppingToken).ConfigureAwait(false);
                    if (requeued > 0)
                    {
                        JobProcessorLog.DeadLettersRetried(logger, requeued);
                    }
                }

                if (now >= nextCleanup)
                {
                    nextCleanup = now + options.CleanupInterval;
                    var removed = await queue.CleanupAsync(stoppingToken).ConfigureAwait(false);
                    if (removed > 0)
                    {
                        JobProcessorLog.CleanedUp(logger, removed, options.FinishedRetention.TotalDays);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                JobProcessorLog.MaintenanceFailed(logger, ex);
            }

            Passes.Release();
        }
    }
}
