using Microsoft.Extensions.Logging;
using Vigil.Jobs.Configuration;

namespace Vigil.Jobs.Processing;

/// <summary>
/// Stopping the dispatcher: no more claims; waiting jobs go back unrun; running jobs get
/// <see cref="JobsOptions.ShutdownTimeout"/> to finish, then their cancellation token fires and,
/// shortly after, whatever still runs is left to its lease. Outcomes are stored as they come.
/// </summary>
internal sealed class JobDrain(
    JobsOptions options,
    TimeProvider time,
    string workerId,
    JobSlots slots,
    JobRunner runner,
    JobDispatcher dispatcher,
    JobLeases leases,
    CancellationTokenSource databaseStop,
    ILogger logger)
{
    public async Task RunAsync()
    {
        slots.ReleaseHeld();
        JobProcessorLog.Stopping(logger, workerId, slots.Running);
        var start = time.GetUtcNow();
        var graceEnd = start + options.ShutdownTimeout;
        var hardEnd = graceEnd + TimeSpan.FromSeconds(2);
        var nextHeartbeat = start + options.HeartbeatInterval;
        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            await runner.StopAsync().ConfigureAwait(false);
        }

        using var grace = time.CreateTimer(_ => runner.Stop(), null, options.ShutdownTimeout, Timeout.InfiniteTimeSpan);
        using var abandon = time.CreateTimer(_ => databaseStop.Cancel(), null, hardEnd - start + TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        while (true)
        {
            slots.TakeFinished();
            try
            {
                await dispatcher.FlushAsync().ConfigureAwait(false);
                if (slots.Running > 0 && time.GetUtcNow() >= nextHeartbeat)
                {
                    await leases.RenewAsync(databaseStop.Token).ConfigureAwait(false);
                    nextHeartbeat = time.GetUtcNow() + options.HeartbeatInterval;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || databaseStop.IsCancellationRequested)
            {
                JobProcessorLog.DatabaseFailed(logger, ex, 0);
                if (databaseStop.IsCancellationRequested)
                {
                    break;
                }
            }

            var now = time.GetUtcNow();
            if ((slots.Running == 0 && slots.Pending.Count == 0) || now >= hardEnd)
            {
                break;
            }

            var wakeAt = nextHeartbeat < hardEnd ? nextHeartbeat : hardEnd;
            await dispatcher.WaitAsync(wakeAt, CancellationToken.None).ConfigureAwait(false);
        }

        JobProcessorLog.Stopped(logger, workerId, slots.Running, slots.Pending.Count);
    }
}
