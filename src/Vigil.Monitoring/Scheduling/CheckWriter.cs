using System.Threading.Channels;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Scheduling;

/// <summary>
/// Stores checks and the states they leave in batches: whatever the checks finished while the
/// last batch was being written goes in the next transaction, so a thousand monitors at 10 s
/// cost a few transactions a second, not two hundred. Each caller awaits its own check's write.
/// </summary>
internal sealed partial class CheckWriter(MonitorRepository repository, ILogger<CheckWriter> logger) : IAsyncDisposable
{
    private const int MaxBatch = 1000;

    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <summary>Queues a check and its monitor's state; completes once they are stored (or the write failed, logged).</summary>
    public Task WriteAsync(StoredCheck check, MonitorStateRecord state)
    {
        EnsureStarted();
        var item = new Item(check, state, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(item))
        {
            item.Done.TrySetResult();
        }

        return item.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void EnsureStarted()
    {
        if (_loop is null)
        {
            lock (_queue)
            {
                _loop ??= Task.Run(RunAsync);
            }
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                // The latest state of each monitor is enough; every check is kept.
                var states = batch.GroupBy(i => i.Check.MonitorId, StringComparer.Ordinal).Select(g => (g.Key, g.Last().State)).ToList();
                await repository.RecordAsync([.. batch.Select(i => i.Check)], states, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogWriteFailed(ex, batch.Count);
            }

            foreach (var item in batch)
            {
                item.Done.TrySetResult();
            }

            batch.Clear();
        }
    }

    private sealed record Item(StoredCheck Check, MonitorStateRecord State, TaskCompletionSource Done);

    [LoggerMessage(EventId = 4310, Level = LogLevel.Error, Message = "Storing {Count} monitor checks failed; they are lost (the monitors' state follows at their next check)")]
    private partial void LogWriteFailed(Exception exception, int count);
}
