using Microsoft.Extensions.Logging;
using Vigil.Core.Diagnostics;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Processing;

/// <summary>
/// The dispatcher's scheduling state, touched only by its loop: which claimed jobs run or wait,
/// the global, per-type and per-key limits, the outcomes still to store, and what the next claim
/// asks for. A concurrency key is one namespace across job types: its jobs of every type share
/// its limit. A key the dispatcher tracks is claimed by key (its limit plus
/// <see cref="JobsOptions.MaxHeldPerKey"/> waiting, less what it has), so the round trip that
/// stores a finishing job's outcome also claims that key's next jobs; claims by type skip those
/// keys and bring in the others.
/// </summary>
internal sealed class JobSlots(JobsOptions options, IReadOnlyDictionary<string, TypeSlot> types, JobRunner runner, ILogger logger)
{
    private readonly Dictionary<string, KeySlot> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ClaimedJob> _active = [];
    private readonly HashSet<long> _lost = [];
    private long _completed;

    /// <summary>Outcomes (and releases) not stored yet, oldest first.</summary>
    public List<JobCompletion> Pending { get; } = [];

    /// <summary>The job types this process runs.</summary>
    public IEnumerable<string> Types => types.Keys;

    /// <summary>
    /// How many jobs ran to an outcome and were taken in for storing (by the dispatcher's next round
    /// trip, or the one after when more than a batch waits): releases (jobs handed back unrun, or cancelled by a stop) and jobs whose lease was lost
    /// are left out. Read from any thread.
    /// </summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>How many handlers run.</summary>
    public int Running { get; private set; }

    /// <summary>The claimed jobs this process holds a lease on (running or waiting for their key).</summary>
    public IReadOnlyCollection<long> Active => _active.Keys;

    /// <summary>Whether any type has a free slot and may find work: worth claiming again at once.</summary>
    public bool CanTakeMore => Running < options.MaxConcurrency && types.Values.Any(t => t.MayHaveWork && t.Running < t.Concurrency);

    /// <summary>A signal or a poll: everything may have new due jobs.</summary>
    public void MayHaveWork()
    {
        foreach (var type in types.Values)
        {
            type.MayHaveWork = true;
        }

        foreach (var key in _keys.Values)
        {
            key.MayHaveWork = true;
        }
    }

    /// <summary>A heartbeat did not renew this job: someone else holds it now.</summary>
    public void LoseLease(long id)
    {
        if (_active.Remove(id, out var job))
        {
            // Its outcome here must not be stored, and a waiting copy must not start.
            _lost.Add(id);
            JobProcessorLog.LeaseLost(logger, id, job.Type);
        }
    }

    /// <summary>What the next step claims; <see cref="ClaimPlan.None"/> when nothing has room.</summary>
    public ClaimPlan Plan()
    {
        List<KeyClaim>? keyClaims = null;
        foreach (var key in _keys.Values)
        {
            key.Limit = LimitOf(key.Key);
            var room = key.Room(options.MaxHeldPerKey);
            if (key.MayHaveWork && room > 0)
            {
                (keyClaims ??= []).Add(new KeyClaim(key.Key, room, key.Limit));
            }
        }

        List<TypeClaim>? typeClaims = null;
        var total = 0;
        var globalFree = options.MaxConcurrency - Running;
        if (globalFree > 0)
        {
            total = Math.Min(globalFree, options.ClaimBatchSize);
            foreach (var type in types.Values)
            {
                var free = type.Concurrency - type.Running;
                if (free > 0 && type.MayHaveWork)
                {
                    (typeClaims ??= []).Add(new TypeClaim(type.Type, Math.Min(free, total)));
                }
            }
        }

        return keyClaims is null && typeClaims is null
            ? ClaimPlan.None
            : new ClaimPlan(typeClaims ?? [], typeClaims is null ? 0 : total, typeClaims is null ? [] : [.. _keys.Keys], keyClaims ?? []);
    }

    /// <summary>Takes in what <paramref name="plan"/> claimed: starts what has room, holds or releases the rest.</summary>
    /// <returns>Whether a claim by type filled up or met new keys, so claiming again at once may find more.</returns>
    public bool Accept(ClaimPlan plan, IReadOnlyList<ClaimedJob> jobs)
    {
        foreach (var keyClaim in plan.Keys)
        {
            var got = 0;
            foreach (var job in jobs)
            {
                if (job.ConcurrencyKey == keyClaim.Key)
                {
                    got++;
                }
            }

            // The queue may have more of it due only if it gave all that was asked, less the
            // waiting room: on PostgreSQL a claim never takes the key past its limit across
            // processes, so a key at its limit gets nothing to hold, yet has more due.
            _keys[keyClaim.Key].MayHaveWork = got >= keyClaim.Limit - options.MaxHeldPerKey;
        }

        var byType = 0;
        if (plan.Types.Count > 0)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            HashSet<string>? keyed = null;
            foreach (var job in jobs)
            {
                if (job.ConcurrencyKey is null || !plan.Keys.Any(k => k.Key == job.ConcurrencyKey))
                {
                    counts[job.Type] = counts.GetValueOrDefault(job.Type) + 1;
                    byType++;
                    if (job.ConcurrencyKey is not null)
                    {
                        (keyed ??= new(StringComparer.Ordinal)).Add(job.Type);
                    }
                }
            }

            var cutByTotal = byType >= plan.Total;
            foreach (var typeClaim in plan.Types)
            {
                // A type that got all it asked for (or lost some to the global cut) may have more
                // waiting; so may one that met a new key: on PostgreSQL a claim by type takes one
                // job of a key, and that key's other jobs may have hidden other keys' jobs from
                // it. The next claim by type skips the key (now tracked), so this ends.
                types[typeClaim.Type].MayHaveWork = cutByTotal
                    || counts.GetValueOrDefault(typeClaim.Type) >= typeClaim.Limit
                    || keyed?.Contains(typeClaim.Type) == true;
            }
        }

        var newKeys = false;
        foreach (var job in jobs)
        {
            newKeys |= Accept(job);
        }

        // A key first met in a claim by type has its next jobs claimed by key (on PostgreSQL a
        // claim by type takes one job of a key): at once, not at the next poll.
        return (byType > 0 && CanTakeMore) || newKeys;
    }

    /// <summary>Takes in the outcomes of finished handlers, freeing their slots.</summary>
    public void TakeFinished()
    {
        while (runner.TryTakeFinished(out var completion))
        {
            var job = completion.Job;
            Running--;
            types[job.Type].Running--;
            if (job.ConcurrencyKey is not null && _keys.TryGetValue(job.ConcurrencyKey, out var key))
            {
                key.Running--;
            }

            _active.Remove(job.Id);
            if (!_lost.Remove(job.Id))
            {
                Pending.Add(completion);
                if (completion.Outcome is not null)
                {
                    Interlocked.Increment(ref _completed);
                }
            }

            LogOutcome(completion);
        }
    }

    /// <summary>Starts the waiting jobs whose key (and type) has a free slot, and forgets idle keys.</summary>
    public void StartHeld()
    {
        List<string>? idle = null;
        foreach (var key in _keys.Values)
        {
            while (key.Held.TryPeek(out var next) && key.Running < key.Limit && HasSlot(types[next.Type]))
            {
                key.Held.Dequeue();
                if (_lost.Remove(next.Id))
                {
                    continue;
                }

                Start(next, key);
            }

            if (key.Idle)
            {
                (idle ??= []).Add(key.Key);
            }
        }

        foreach (var key in idle ?? [])
        {
            _keys.Remove(key);
        }
    }

    /// <summary>Stopping: the waiting jobs go back to the queue unrun.</summary>
    public void ReleaseHeld()
    {
        foreach (var key in _keys.Values)
        {
            while (key.Held.TryDequeue(out var job))
            {
                if (!_lost.Remove(job.Id))
                {
                    Release(job);
                }
            }
        }
    }

    // True when the job's key was not tracked before.
    private bool Accept(ClaimedJob job)
    {
        _active[job.Id] = job;
        var type = types[job.Type];
        if (job.ConcurrencyKey is null)
        {
            if (HasSlot(type))
            {
                Start(job, null);
            }
            else
            {
                Release(job);
            }

            return false;
        }

        var created = false;
        if (!_keys.TryGetValue(job.ConcurrencyKey, out var key))
        {
            key = new KeySlot(job.ConcurrencyKey, LimitOf(job.ConcurrencyKey));
            _keys[job.ConcurrencyKey] = key;
            created = true;
        }

        if (key.Held.Count == 0 && key.Running < key.Limit && HasSlot(type))
        {
            Start(job, key);
        }
        else if (key.Room(options.MaxHeldPerKey) > 0)
        {
            key.Held.Enqueue(job);
        }
        else
        {
            Release(job);
        }

        return created;
    }

    private int LimitOf(string key) =>
        Math.Max(1, options.ConcurrencyKeyLimit is { } callback ? callback(key) : options.DefaultConcurrencyKeyLimit);

    private bool HasSlot(TypeSlot type) => Running < options.MaxConcurrency && type.Running < type.Concurrency;

    private void Release(ClaimedJob job)
    {
        _active.Remove(job.Id);
        Pending.Add(JobCompletion.Release(job));

        // The job is back in the queue: claim it again as soon as a slot (or its key) frees up,
        // rather than at the next poll.
        types[job.Type].MayHaveWork = true;
        if (job.ConcurrencyKey is not null && _keys.TryGetValue(job.ConcurrencyKey, out var key))
        {
            key.MayHaveWork = true;
        }
    }

    private void Start(ClaimedJob job, KeySlot? key)
    {
        var type = types[job.Type];
        Running++;
        type.Running++;
        if (key is not null)
        {
            key.Running++;
        }

        runner.Start(job, type.Handler);
    }

    private void LogOutcome(JobCompletion completion)
    {
        var (job, outcome) = completion;
        switch (outcome?.Kind)
        {
            case JobOutcomeKind.Retry when job.Attempts >= job.MaxAttempts:
            case JobOutcomeKind.Fail:
                JobProcessorLog.DeadLettered(logger, job.Id, job.Type, job.Attempts, LogText.Encode(outcome.Message));
                break;
            case JobOutcomeKind.Retry:
                JobProcessorLog.WillRetry(logger, job.Id, job.Type, job.Attempts, job.MaxAttempts, LogText.Encode(outcome.Message));
                break;
            case JobOutcomeKind.Postpone:
                JobProcessorLog.Postponed(logger, job.Id, job.Type, LogText.Encode(outcome.Message));
                break;
        }
    }
}
