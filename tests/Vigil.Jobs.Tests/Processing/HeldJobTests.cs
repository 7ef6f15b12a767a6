using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Processing;

/// <summary>
/// A freed slot goes to its key's next held job without waiting for the database: the refill of a
/// busy channel is never held up by a slow round trip (on SQLite, one that waits for the write lock).
/// </summary>
public sealed class HeldJobTests() : JobsTestBase(StorageProvider.Sqlite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Process_RoundTripBlocked_FinishingJobStartsItsKeysHeldJobAnyway()
    {
        Options.MaxHeldPerKey = 1;
        Options.ConcurrencyKeyLimit = _ => 1;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var handler = new TestHandler("delivery", async (context, _) =>
        {
            var n = int.Parse(context.Payload, System.Globalization.CultureInfo.InvariantCulture);
            started[n].SetResult();
            if (n == 0)
            {
                await release.Task;
            }

            return JobOutcome.Succeeded;
        });
        await Queue.EnqueueAsync([new JobRequest("delivery", "0", ConcurrencyKey: "channel"), new JobRequest("delivery", "1", ConcurrencyKey: "channel")]);
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);
        await started[0].Task.WaitAsync(Patience);

        // Hold SQLite's write turn and wake the dispatcher: its next round trip waits for the turn.
        var turn = await Database.WriterTurnAsync();
        await using (turn)
        {
            Signal.Pulse();
            var waiting = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Database.QueuedWriters == 0)
            {
                Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(waiting) < Patience, "the dispatcher never started a round trip");
                await Task.Yield();
            }

            // Job 0 finishes while that round trip is out: job 1, held for the key, starts all the same.
            release.SetResult();
            await started[1].Task.WaitAsync(Patience);
            Assert.Equal(0, processor.Stored);
        }

        await processor.StoredAsync(2);
        await processor.StopAsync(default);
        Assert.Equal(2, handler.Runs.Count);
    }
}
