namespace Vigil.Jobs.Queue;

/// <summary>
/// Wakes this process's job processors at once instead of at their next poll. Enqueues that
/// open their own connection pulse it after commit; a caller that enqueues inside its own
/// transaction calls <see cref="Pulse"/> after committing. On PostgreSQL the enqueue also issues
/// <c>NOTIFY</c>, which wakes the processors of every process on commit.
/// </summary>
public sealed class JobSignal
{
    private readonly Lock _lock = new();
    private Action[] _listeners = [];

    /// <summary>Tells the processors new jobs may be waiting.</summary>
    public void Pulse()
    {
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            listener();
        }
    }

    internal IDisposable Subscribe(Action listener)
    {
        lock (_lock)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    private void Unsubscribe(Action listener)
    {
        lock (_lock)
        {
            _listeners = [.. _listeners.Where(l => l != listener)];
        }
    }

    private sealed class Subscription(JobSignal signal, Action listener) : IDisposable
    {
        public void Dispose() => signal.Unsubscribe(listener);
    }
}
