using Microsoft.Extensions.Logging;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// The dispatcher loop: each round stores the finished jobs' outcomes and claims what the free
/// slots allow in one round trip (<see cref="JobQueue.CompleteAndClaimAsync(string, IReadOnlyList{JobCompletion}, IReadOnlyList{TypeClaim}, int, IReadOnlyCollection{string}, IReadOnlyList{KeyClaim}, IReadOnlyCollection{string}, bool, CancellationToken)"/>),
/// renews leases every <see cref="JobsOptions.HeartbeatInterval"/>, and sleeps until a handler
/// finishes, a <see cref="JobSignal"/> or notification wakes it, or the next poll. A failing database
/// is retried every <see cref="JobsOptions.PollInterval"/>. One round trip is out at a time, and the
/// loop does not wait for it: a handler that finishes meanwhile hands its slot to its key's next
/// held job at once, and its outcome goes into the next round trip.
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
        Step? step = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            now = time.GetUtcNow();
            // A signal or poll waits for the round trip out: the claim it answers was planned before
            // it, and taking its result in would otherwise mark the new work as not there.
            if (step is null && (_signaled || now >= nextPoll))
            {
                _signaled = false;
                slots.MayHaveWork();
                if (now >= nextPoll)
                {
                    nextPoll = now + options.PollInterval;
                }
            }

            if (slots.Running > 0 && step is null)
            {
                // Let handlers that are finishing right now land, so one round trip stores them together.
                await Task.Yield();
            }

            // A freed slot goes to its key's next held job at once, even while a round trip is out:
            // the refill never waits for the database.
            slots.TakeFinished();
            slots.StartHeld();
            if (step is not null)
            {
                if (!step.Task.IsCompleted)
                {
                    await Task.WhenAny(step.Task, wake.WaitAsync()).ConfigureAwait(false);
                    continue;
                }

                var ended = step;
                step = null;
                try
                {
                    if (ended.Recover)
                    {
                        nextRecovery = now + options.PollInterval;
                    }

                    if (Finish(ended, await ended.Task.ConfigureAwait(false)) || _signaled)
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
            else if (now >= databaseRetryAt)
            {
                try
                {
                    if (now >= nextHeartbeat)
                    {
                        await leases.RenewAsync(databaseStop).ConfigureAwait(false);
                        nextHeartbeat = now + options.HeartbeatInterval;
                    }

                    step = Begin(claim: true, recoverExpired: now >= nextRecovery);
                    if (step is not null)
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

        if (step is not null)
        {
            // Stopping with a round trip out: take in what it stored and claimed, so the drain
            // stores or releases all of it.
            try
            {
                Finish(step, await step.Task.ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                JobProcessorLog.DatabaseFailed(logger, ex, 0);
            }
        }
    }

    /// <summary>Stores every pending outcome, claiming nothing.</summary>
    public async Task FlushAsync()
    {
        while (Begin(claim: false, recoverExpired: false) is { } step && Finish(step, await step.Task.ConfigureAwait(false)))
        {
        }
    }

    /// <summary>Waits for a wake-up or until the clock reads <paramref name="wakeAt"/>, whichever comes first.</summary>
    public Task WaitAsync(DateTimeOffset wakeAt, CancellationToken cancellationToken) =>
        JobProcessor.DelayUntilAsync(time, wakeAt, wake.WaitAsync(), cancellationToken);

    /// <summary>
    /// Starts one round trip: stores pending outcomes and, when <paramref name="claim"/>, claims what the
    /// free slots allow. Null when there is nothing to store or claim.
    /// </summary>
    private Step? Begin(bool claim, bool recoverExpired)
    {
        var plan = claim ? slots.Plan() : ClaimPlan.None;
        var pending = slots.Pending;
        var outcomes = pending.Count == 0 ? [] : pending.GetRange(0, Math.Min(pending.Count, 500));
        if (outcomes.Count == 0 && plan.IsEmpty)
        {
            return null;
        }

        // On the thread pool: SQLite's "async" calls run synchronously, and the loop must stay free.
        return new Step(plan, outcomes.Count, recoverExpired, Task.Run(() => queue.CompleteAndClaimAsync(
            workerId, outcomes, plan.Types, plan.Total, plan.BusyKeys, plan.Keys, _types, recoverExpired, databaseStop)));
    }

    /// <summary>
    /// Takes in a finished round trip on the loop. True when there is more to do right away (outcomes
    /// left, or slots filled and more may wait).
    /// </summary>
    private bool Finish(Step step, (int Applied, List<ClaimedJob> Claimed) result)
    {
        var pending = slots.Pending;
        if (step.Outcomes > 0)
        {
            // Outcomes that came in during the round trip were appended after the ones it stored.
            pending.RemoveRange(0, step.Outcomes);
            if (result.Applied < step.Outcomes)
            {
                JobProcessorLog.CompletionsFenced(logger, step.Outcomes - result.Applied);
            }

            Interlocked.Add(ref _stored, step.Outcomes);
            OutcomesStored?.Invoke();
        }

        var more = !step.Plan.IsEmpty && slots.Accept(step.Plan, result.Claimed);
        return pending.Count > 0 || more;
    }

    /// <summary>One round trip out: what it claims, how many pending outcomes it stores, and its task.</summary>
    private sealed record Step(ClaimPlan Plan, int Outcomes, bool Recover, Task<(int Applied, List<ClaimedJob> Claimed)> Task);
}
