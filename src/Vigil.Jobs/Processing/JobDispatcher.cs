using Microsoft.Extensions.Logging;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// The dispatcher loop: each round stores the finished jobs' outcomes and claims what the free
/// slots allow in one round trip (<see cref="JobQueue.CompleteAndClaimAsync(string, IReadOnlyList{JobCompletion}, IReadOnlyList{TypeClaim}, int, IReadOnlyCollection{string}, IReadOnlyList{KeyClaim}, IReadOnlyCollection{string}, bool, CancellationToken)"/>),
/// renews leases every <see cref="JobsOptions.HeartbeatInterval"/>, and sleeps until a handler
/// finishes, a <see cref="JobSignal"/> or notification wakes it, or the next poll. A failing database
/// is retried every <see cref="JobsOptions.PollInterval"/>.
/// </summary>
internal sealed class JobDispatcher(
    JobQueue queue,
    JobsOptions options,
    TimeProvider time,
    string workerId,
    JobSlots slots,
    JobLeases leases,
    WakeEvent wake,
    CancellationToken databaseStop,
    ILogger logger)
{
    private readonly string[] _types = [.. slots.Types];
    private long _stored;
    private volatile bool _signaled;

    /// <summary>How many outcomes have been stored (releases included).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Raised on the loop after each batch of outcomes is stored.</summary>
    public event Action? OutcomesStored;

    /// <summary>New jobs may be due: claim at once.</summary>
    public void Signal()
    {
        _signaled = true;
        wake.Set();
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var nextPoll = now;
        var nextHeartbeat = now + options.HeartbeatInterval;
        var databaseRetryAt = DateTimeOffset.MinValue;
        var nextRecovery = now;
        while (!stoppingToken.IsCancellationRequested)
        {
            now = time.GetUtcNow();
            if (_signaled || now >= nextPoll)
            {
                _signaled = false;
                slots.MayHaveWork();
                if (now >= nextPoll)
                {
                    nextPoll = now + options.PollInterval;
                }
            }

            if (slots.Running > 0)
            {
                // Let handlers that are finishing right now land, so one round trip stores them together.
                await Task.Yield();
            }

            slots.TakeFinished();
            slots.StartHeld();
            if (now >= databaseRetryAt)
            {
                try
                {
                    if (now >= nextHeartbeat)
                    {
                        await leases.RenewAsync(databaseStop).ConfigureAwait(false);
                        nextHeartbeat = now + options.HeartbeatInterval;
                    }

                    var recover = now >= nextRecovery;
                    var more = await StepAsync(claim: true, recover).ConfigureAwait(false);
                    if (recover)
                    {
                        nextRecovery = now + options.PollInterval;
                    }

                    if (more)
                    {
                        continue;
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    JobProcessorLog.DatabaseFailed(logger, ex, options.PollInterval.TotalSeconds);
                    databaseRetryAt = now + options.PollInterval;
                }
            }

            var wakeAt = nextPoll < nextHeartbeat ? nextPoll : nextHeartbeat;
            if (databaseRetryAt > now && databaseRetryAt < wakeAt)
            {
                wakeAt = databaseRetryAt;
            }

            await WaitAsync(wakeAt, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stores every pending outcome, claiming nothing.</summary>
    public async Task FlushAsync()
    {
        while (await StepAsync(claim: false, recoverExpired: false).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Waits for a wake-up or until the clock reads <paramref name="wakeAt"/>, whichever comes first.</summary>
    public Task WaitAsync(DateTimeOffset wakeAt, CancellationToken cancellationToken) =>
        JobProcessor.DelayUntilAsync(time, wakeAt, wake.WaitAsync(), cancellationToken);

    /// <summary>
    /// One round trip: stores pending outcomes and, when <paramref name="claim"/>, claims what the free
    /// slots allow. True when there is more to do right away (outcomes left, or slots filled and more may wait).
    /// </summary>
    private async Task<bool> StepAsync(bool claim, bool recoverExpired)
    {
        var plan = claim ? slots.Plan() : ClaimPlan.None;
        var pending = slots.Pending;
        var outcomes = pending.Count == 0 ? [] : pending.GetRange(0, Math.Min(pending.Count, 500));
        if (outcomes.Count == 0 && plan.IsEmpty)
        {
            return false;
        }

        var (applied, jobs) = await queue.CompleteAndClaimAsync(
            workerId, outcomes, plan.Types, plan.Total, plan.BusyKeys, plan.Keys, _types, recoverExpired, databaseStop).ConfigureAwait(false);
        if (outcomes.Count > 0)
        {
            pending.RemoveRange(0, outcomes.Count);
            if (applied < outcomes.Count)
            {
                JobProcessorLog.CompletionsFenced(logger, outcomes.Count - applied);
            }

            Interlocked.Add(ref _stored, outcomes.Count);
            OutcomesStored?.Invoke();
        }

        var more = !plan.IsEmpty && slots.Accept(plan, jobs);
        return pending.Count > 0 || more;
    }
}
