namespace Vigil.Jobs.Processing;

/// <summary>
/// An auto-reset event for one waiting loop: <see cref="Set"/> completes the current wait, or the
/// next one if nobody waits, so a wake-up between two waits is never lost.
/// </summary>
internal sealed class WakeEvent
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set()
    {
        TaskCompletionSource current;
        lock (_lock)
        {
            current = _current;
        }

        current.TrySetResult();
    }

    /// <summary>A task that completes at the next <see cref="Set"/> (already complete if one happened since the last wait).</summary>
    public Task WaitAsync()
    {
        lock (_lock)
        {
            if (_current.Task.IsCompleted)
            {
                _current = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return Task.CompletedTask;
            }

            return _current.Task;
        }
    }
}
