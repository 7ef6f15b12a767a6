namespace Vigil.Client;

/// <summary>
/// A resettable, allocation-free-when-set signal: many setters, one waiter. Setting an already
/// set signal costs a read, so it can be called on every recording.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _source = NewSource();

    public bool IsSet => Volatile.Read(ref _source).Task.IsCompleted;

    public void Set()
    {
        var source = Volatile.Read(ref _source);
        if (!source.Task.IsCompleted)
        {
            source.TrySetResult();
        }
    }

    /// <summary>Returns a task that completes at the next <see cref="Set"/> (at once if the signal is set).</summary>
    public Task WaitAsync() => Volatile.Read(ref _source).Task;

    public void Reset()
    {
        var source = Volatile.Read(ref _source);
        if (source.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, NewSource(), source);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
