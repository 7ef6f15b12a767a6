using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Queries;

/// <summary>
/// The slots heavy reads run in, shared fairly between API keys: at most
/// <see cref="QueryOptions.MaxConcurrent"/> at once and <see cref="QueryOptions.EffectiveMaxConcurrentPerKey"/>
/// per key; up to <see cref="QueryOptions.MaxQueued"/> waiting, <see cref="QueryOptions.EffectiveMaxQueuedPerKey"/>
/// per key. A freed slot goes to the waiting key with the fewest queries running (ties: the key
/// served longest ago), each key's own queries oldest first, so a key that floods the gate
/// waits behind every other key instead of starving it. Only the endpoints marked with
/// <see cref="QueryLimitsMetadata"/> take a slot; ingest and alert evaluation never do, so a
/// burst of queries leaves them their share of the CPU.
/// </summary>
internal sealed class QueryGate
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly int _perKey;
    private readonly int _queuedPerKey;
    private long _running;
    private long _queued;
    private long _grants;
    private long _enqueued;

    public QueryGate(IOptions<QueryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _perKey = Options.EffectiveMaxConcurrentPerKey;
        _queuedPerKey = Options.EffectiveMaxQueuedPerKey;
    }

    /// <summary>The limits in force.</summary>
    public QueryOptions Options { get; }

    /// <summary>Queries running now.</summary>
    public long Running => Interlocked.Read(ref _running);

    /// <summary>Queries waiting for a slot now.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Queries of <paramref name="key"/> waiting for a slot now.</summary>
    public int QueuedOf(string key)
    {
        lock (_lock)
        {
            return _keys.TryGetValue(key, out var state) ? state.Waiting.Count : 0;
        }
    }

    /// <summary>
    /// A slot for a query of <paramref name="key"/> (an API key id), waiting in the key's queue
    /// when every slot, or the key's share of them, is busy. The lease is not
    /// <see cref="RateLimitLease.IsAcquired"/> when the key's queue share or the whole queue is
    /// full (<see cref="QuerySlot.Refusal"/> says which). Dispose the lease to free the slot.
    /// </summary>
    public ValueTask<QuerySlot> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        Waiter waiter;
        lock (_lock)
        {
            var state = StateOf(key);
            if (_running < Options.MaxConcurrent && state.Running < _perKey)
            {
                return ValueTask.FromResult(Grant(state));
            }

            if (_queued >= Options.MaxQueued)
            {
                Forget(state);
                return ValueTask.FromResult(QuerySlot.Refused(QueryRefusal.QueueFull));
            }

            if (state.Waiting.Count >= _queuedPerKey)
            {
                Forget(state);
                return ValueTask.FromResult(QuerySlot.Refused(QueryRefusal.KeyQueueFull));
            }

            waiter = new Waiter(this, state, ++_enqueued);
            state.Waiting.AddLast(waiter.Node);
            Interlocked.Increment(ref _queued);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.UnsafeRegister(static (w, token) => ((Waiter)w!).Gate.Cancel((Waiter)w, token), waiter);
        }

        return new ValueTask<QuerySlot>(waiter.Completion.Task);
    }

    private QuerySlot Grant(KeyState state)
    {
        state.Running++;
        state.LastGrant = ++_grants;
        Interlocked.Increment(ref _running);
        return new QuerySlot(this, state);
    }

    private void Release(KeyState state)
    {
        List<(Waiter Waiter, QuerySlot Slot)> granted = [];
        lock (_lock)
        {
            state.Running--;
            Interlocked.Decrement(ref _running);
            while (_running < Options.MaxConcurrent && Next() is { } next)
            {
                next.State.Waiting.Remove(next.Node);
                Interlocked.Decrement(ref _queued);
                granted.Add((next, Grant(next.State)));
            }

            Forget(state);
        }

        // Completed outside the lock: a waiter's continuation may take or free a slot itself.
        foreach (var (waiter, slot) in granted)
        {
            waiter.Cancellation.Dispose();
            if (!waiter.Completion.TrySetResult(slot))
            {
                slot.Dispose();
            }
        }
    }

    /// <summary>
    /// The oldest waiter of the waiting key under its share with the fewest queries running;
    /// ties go to the key served longest ago, then to the key waiting longest.
    /// </summary>
    private Waiter? Next()
    {
        KeyState? best = null;
        foreach (var state in _keys.Values)
        {
            if (state.Waiting.Count == 0 || state.Running >= _perKey)
            {
                continue;
            }

            if (best is null || (state.Running, state.LastGrant, state.Waiting.First!.Value.Sequence).CompareTo((best.Running, best.LastGrant, best.Waiting.First!.Value.Sequence)) < 0)
            {
                best = state;
            }
        }

        return best?.Waiting.First?.Value;
    }

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (waiter.Node.List is null)
            {
                return; // already granted
            }

            waiter.State.Waiting.Remove(waiter.Node);
            Interlocked.Decrement(ref _queued);
            Forget(waiter.State);
        }

        waiter.Completion.TrySetCanceled(cancellationToken);
    }

    private KeyState StateOf(string key)
    {
        if (!_keys.TryGetValue(key, out var state))
        {
            state = new KeyState(key);
            _keys[key] = state;
        }

        return state;
    }

    /// <summary>Drops a key that holds and awaits nothing, so the table holds only active keys.</summary>
    private void Forget(KeyState state)
    {
        if (state.Running == 0 && state.Waiting.Count == 0)
        {
            _keys.Remove(state.Key);
        }
    }

    /// <summary>One key's queries: running and waiting.</summary>
    internal sealed class KeyState(string key)
    {
        public string Key { get; } = key;

        public int Running { get; set; }

        public long LastGrant { get; set; }

        public LinkedList<Waiter> Waiting { get; } = new();
    }

    /// <summary>A query waiting for a slot; <see cref="Sequence"/> orders all waiters by arrival.</summary>
    internal sealed class Waiter
    {
        public Waiter(QueryGate gate, KeyState state, long sequence)
        {
            Sequence = sequence;
            Gate = gate;
            State = state;
            Node = new LinkedListNode<Waiter>(this);
        }

        public QueryGate Gate { get; }

        public long Sequence { get; }

        public KeyState State { get; }

        public LinkedListNode<Waiter> Node { get; }

        public TaskCompletionSource<QuerySlot> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    /// <summary>A query slot (or a refusal); disposing a granted one frees the slot.</summary>
    internal sealed class QuerySlot : RateLimitLease
    {
        private readonly QueryGate? _gate;
        private readonly KeyState? _state;
        private int _disposed;

        public QuerySlot(QueryGate gate, KeyState state)
        {
            _gate = gate;
            _state = state;
        }

        private QuerySlot(QueryRefusal refusal) => Refusal = refusal;

        /// <summary>Why the slot was refused; <see cref="QueryRefusal.None"/> when acquired.</summary>
        public QueryRefusal Refusal { get; }

        public override bool IsAcquired => Refusal == QueryRefusal.None;

        public override IEnumerable<string> MetadataNames => [];

        public static QuerySlot Refused(QueryRefusal refusal) => new(refusal);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (_gate is not null && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _gate.Release(_state!);
            }
        }
    }
}
