using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Processing;

/// <summary>The processor end to end over a real database, once per provider.</summary>
public abstract class JobProcessorContractTests(StorageProvider provider) : JobsTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Process_EnqueuedJobs_EachRunsOnceAndSucceeds()
    {
        var handler = new TestHandler("t");
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 50).Select(i => new JobRequest("t", $"{i}"))]);
        using var processor = CreateProcessor([handler]);

        await processor.StartAsync(default);
        await processor.StoredAsync(50);
        await processor.StopAsync(default);

        Assert.Equal(50, handler.Runs.Count);
        Assert.All(handler.Runs.Values, runs => Assert.Equal(1, runs));
        Assert.Equal(new JobCounts(0, 0, 0, 50, 0, 0), await Queue.CountsAsync());
    }

    [Fact]
    public async Task Process_JobEnqueuedWhileRunning_WakesOnSignal()
    {
        var handler = new TestHandler("t");
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        // No clock advance: only the signal the enqueue pulses can wake the processor.
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        await processor.StoredAsync(1);
        await processor.StopAsync(default);

        Assert.Single(handler.Runs);
    }

    [Fact]
    public async Task Process_HandlerThrows_RetriedAfterTheBackoff()
    {
        var attempts = new List<int>();
        var handler = new TestHandler("t", (context, _) =>
        {
            attempts.Add(context.Attempt);
            return context.Attempt == 1 ? throw new InvalidOperationException("receiver said 503") : ValueTask.FromResult(JobOutcome.Succeeded);
        });
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        await processor.StoredAsync(1);
        var waiting = Assert.Single(await Queue.ListAsync(JobState.Retrying));
        Assert.Contains("receiver said 503", waiting.LastError, StringComparison.Ordinal);
        Assert.Equal(T0.AddSeconds(10), waiting.RunAt);

        Time.Advance(TimeSpan.FromSeconds(10));
        await processor.StoredAsync(2);
        await processor.StopAsync(default);

        Assert.Equal([1, 2], attempts);
        Assert.Equal(JobState.Succeeded, (await Queue.GetAsync(waiting.Id))!.State);
    }

    [Fact]
    public async Task Process_Postponed_UsesNoAttempts()
    {
        var runs = 0;
        var handler = new TestHandler("t", (_, _) => ValueTask.FromResult(++runs <= 3 ? JobOutcome.Postpone(TimeSpan.FromSeconds(30), "breaker open") : JobOutcome.Succeeded));
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 1));
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        for (var i = 1; i <= 3; i++)
        {
            await processor.StoredAsync(i);
            Time.Advance(TimeSpan.FromSeconds(30));
        }

        await processor.StoredAsync(4);
        await processor.StopAsync(default);

        var job = Assert.Single(await Queue.ListAsync(JobState.Succeeded));
        Assert.Equal(1, job.Attempts);
    }

    [Fact]
    public async Task Process_FailAndLastRetry_DeadLetter()
    {
        var handler = new TestHandler("t", (context, _) => ValueTask.FromResult(context.Payload == "fail" ? JobOutcome.Fail("bad payload") : JobOutcome.Retry("down")));
        await Queue.EnqueueAsync([new JobRequest("t", "fail"), new JobRequest("t", "retry", MaxAttempts: 1)]);
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        await processor.StoredAsync(2);
        await processor.StopAsync(default);

        var dead = await Queue.ListAsync(JobState.Dead);
        Assert.Equal(["bad payload", "down"], dead.Select(j => j.LastError).Order());
    }

    [Fact]
    public async Task Process_Priorities_HigherRunFirst()
    {
        Options.MaxConcurrency = 1;
        var handler = new TestHandler("t");
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 3).Select(i => new JobRequest("t", $"low{i}", Priority: (int)JobPriority.Low))]);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 3).Select(i => new JobRequest("t", $"high{i}", Priority: (int)JobPriority.High))]);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 3).Select(i => new JobRequest("t", $"medium{i}"))]);
        var payloads = (await Queue.ListAsync()).ToDictionary(j => j.Id, j => j.Payload);
        using var processor = CreateProcessor([handler]);

        await processor.StartAsync(default);
        await processor.StoredAsync(9);
        await processor.StopAsync(default);

        var order = handler.Order.Select(id => payloads[id][..^1]).ToArray();
        Assert.Equal(["high", "high", "high", "medium", "medium", "medium", "low", "low", "low"], order);
    }

    [Fact]
    public async Task Process_SlowKey_DoesNotDelayOtherKeys()
    {
        Options.MaxConcurrency = 3;
        Options.Types["delivery"] = new JobTypeOptions { Concurrency = 3 };
        Options.MaxHeldPerKey = 2;
        Options.ConcurrencyKeyLimit = _ => 1;
        var slowGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fastRuns = 0;
        var slowRunning = 0;
        var slowMax = 0;
        var handler = new TestHandler("delivery", async (context, _) =>
        {
            if (context.ConcurrencyKey == "slow")
            {
                var now = Interlocked.Increment(ref slowRunning);
                InterlockedMax(ref slowMax, now);
                await slowGate.Task;
                Interlocked.Decrement(ref slowRunning);
            }
            else if (Interlocked.Increment(ref fastRuns) == 12)
            {
                fastDone.TrySetResult();
            }

            return JobOutcome.Succeeded;
        });
        // The slow destination's jobs are first in line (higher priority, enqueued first).
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 20).Select(i => new JobRequest("delivery", $"s{i}", Priority: 1, ConcurrencyKey: "slow"))]);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 12).Select(i => new JobRequest("delivery", $"f{i}", Priority: 3, ConcurrencyKey: $"fast-{i % 3}"))]);
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        // Every job of the other keys finishes while the slow key's first job is still stuck.
        await fastDone.Task.WaitAsync(Patience);
        Assert.Equal(1, Volatile.Read(ref slowRunning));

        // Then the slow key drains too, one at a time, with no clock advance (no poll needed).
        slowGate.SetResult();
        await processor.CompletedAsync(32);
        await processor.StopAsync(default);
        Assert.Equal(1, slowMax);
        Assert.Equal(32, handler.Runs.Count);
        Assert.All(handler.Runs.Values, runs => Assert.Equal(1, runs));
    }

    [Fact]
    public async Task Process_TypeAndKeyLimits_NeverExceeded()
    {
        Options.Types["limited"] = new JobTypeOptions { Concurrency = 3 };
        Options.ConcurrencyKeyLimit = key => key == "two" ? 2 : 10;
        var running = 0;
        var maxRunning = 0;
        var runningTwo = 0;
        var maxTwo = 0;
        var handler = new TestHandler("limited", async (context, _) =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            if (context.ConcurrencyKey == "two")
            {
                InterlockedMax(ref maxTwo, Interlocked.Increment(ref runningTwo));
            }

            await Task.Delay(2); // the job's work, so that jobs overlap; nothing waits on it
            if (context.ConcurrencyKey == "two")
            {
                Interlocked.Decrement(ref runningTwo);
            }

            Interlocked.Decrement(ref running);
            return JobOutcome.Succeeded;
        });
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 60).Select(i => new JobRequest("limited", $"{i}", ConcurrencyKey: i % 2 == 0 ? "two" : null))]);
        using var processor = CreateProcessor([handler], TimeProvider.System, new JobsOptions { PollInterval = TimeSpan.FromMilliseconds(20), ConcurrencyKeyLimit = Options.ConcurrencyKeyLimit, Types = Options.Types }, new JobQueue(Database, Options, TimeProvider.System, Signal));

        await processor.StartAsync(default);
        await processor.CompletedAsync(60);
        await processor.StopAsync(default);

        Assert.InRange(maxRunning, 1, 3);
        Assert.InRange(maxTwo, 1, 2);
        Assert.Equal(60, (await Queue.CountsAsync()).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Process_KeyAtItsLimit_FreedSlotStartsTheKeysNextJobWithoutAPoll(int maxHeld)
    {
        Options.MaxHeldPerKey = maxHeld;
        Options.ConcurrencyKeyLimit = _ => 2;
        var gates = Enumerable.Range(0, 5).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var started = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var starts = 0;
        var running = 0;
        var maxRunning = 0;
        var handler = new TestHandler("delivery", async (context, _) =>
        {
            InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
            started[Interlocked.Increment(ref starts)].SetResult();
            await gates[int.Parse(context.Payload, System.Globalization.CultureInfo.InvariantCulture)].Task;
            Interlocked.Decrement(ref running);
            return JobOutcome.Succeeded;
        });
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 5).Select(i => new JobRequest("delivery", $"{i}", ConcurrencyKey: "channel"))]);
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);

        // The clock never moves, so no poll runs: only a finishing job can start the next one.
        await started[2].Task.WaitAsync(Patience);
        gates[0].SetResult();
        await started[3].Task.WaitAsync(Patience);
        Assert.Equal(2, Volatile.Read(ref running));
        foreach (var gate in gates)
        {
            gate.TrySetResult();
        }

        await processor.CompletedAsync(5);
        await processor.StopAsync(default);
        Assert.Equal(2, maxRunning);
        Assert.Equal(5, handler.Runs.Count);
        Assert.All(handler.Runs.Values, runs => Assert.Equal(1, runs));
    }

    [Fact]
    public async Task Process_OneKeyAcrossTypes_TheTypesShareTheKeysLimit()
    {
        string[] types = ["notification", "digest", "relay"];
        Options.ConcurrencyKeyLimit = key => key == "channel" ? 2 : 10;
        var running = 0;
        var maxRunning = 0;
        var handlers = types.Select(type => new TestHandler(type, async (context, _) =>
        {
            if (context.ConcurrencyKey == "channel")
            {
                InterlockedMax(ref maxRunning, Interlocked.Increment(ref running));
                await Task.Yield();
                Interlocked.Decrement(ref running);
            }

            return JobOutcome.Succeeded;
        })).ToArray();
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 45).Select(i => new JobRequest(types[i % 3], $"{i}", ConcurrencyKey: i % 5 == 4 ? "other" : "channel"))]);
        using var processor = CreateProcessor(handlers);

        await processor.StartAsync(default);
        await processor.CompletedAsync(45);
        await processor.StopAsync(default);

        Assert.InRange(maxRunning, 1, 2);
        Assert.Equal(45, handlers.Sum(h => h.Runs.Count));
        Assert.Equal(45, (await Queue.CountsAsync()).Succeeded);
    }

    [Fact]
    public async Task Process_TwoProcessors_NeverRunAJobTwice()
    {
        const int Jobs = 2000;
        var handler = new TestHandler("t");
        var options = new JobsOptions { PollInterval = TimeSpan.FromMilliseconds(50) };
        var queue = new JobQueue(Database, options, TimeProvider.System, Signal);
        for (var i = 0; i < Jobs; i += 500)
        {
            await queue.EnqueueAsync([.. Enumerable.Range(i, 500).Select(n => new JobRequest("t", $"{n}"))]);
        }

        using var first = CreateProcessor([handler], TimeProvider.System, options, queue);
        using var second = CreateProcessor([handler], TimeProvider.System, options, queue);
        Assert.NotEqual(first.WorkerId, second.WorkerId);

        await Task.WhenAll(first.StartAsync(default), second.StartAsync(default));
        await ProcessorWaits.StoredAsync([first, second], Jobs);
        await Task.WhenAll(first.StopAsync(default), second.StopAsync(default));

        Assert.Equal(Jobs, handler.Runs.Count);
        Assert.All(handler.Runs, run => Assert.Equal(1, run.Value));
        Assert.Equal(new JobCounts(0, 0, 0, Jobs, 0, 0), await queue.CountsAsync());
        Assert.True(first.Stored > 0 && second.Stored > 0, $"both processors worked: {first.Stored} and {second.Stored}");
    }

    [Fact]
    public async Task Stop_RunningJobFinishesWithinGrace_StoredAsSucceeded()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new TestHandler("t", async (_, _) =>
        {
            started.SetResult();
            await gate.Task;
            return JobOutcome.Succeeded;
        });
        await Queue.EnqueueAsync([new JobRequest("t", "{}"), new JobRequest("t", "{}", RunAt: T0.AddHours(1))]);
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);
        await started.Task.WaitAsync(Patience);

        var stopping = processor.StopAsync(default);
        Assert.False(stopping.IsCompleted);
        gate.SetResult();
        await stopping;

        Assert.Equal(new JobCounts(1, 0, 0, 1, 0, 0), await Queue.CountsAsync());
    }

    [Fact]
    public async Task Stop_HandlerCancelledAfterGrace_JobGoesBackUnrunNotDone()
    {
        Options.ShutdownTimeout = TimeSpan.Zero;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new TestHandler("t", async (_, cancellationToken) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return JobOutcome.Succeeded;
        });
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);
        await started.Task.WaitAsync(Patience);

        await processor.StopAsync(default);

        var job = Assert.Single(await Queue.ListAsync());
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.LeaseOwner);
    }

    [Fact]
    public async Task Maintenance_Hourly_RetriesDeadLetters()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 1));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry("down"))]);
        using var processor = CreateProcessor([]);
        await processor.StartAsync(default);

        Assert.True(await processor.MaintenancePasses.WaitAsync(Patience));
        Assert.Equal(JobState.Dead, (await Queue.GetAsync(claimed.Id))!.State);
        Time.Advance(TimeSpan.FromHours(1));
        Assert.True(await processor.MaintenancePasses.WaitAsync(Patience));
        await processor.StopAsync(default);

        var job = (await Queue.GetAsync(claimed.Id))!;
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(1, job.DeadLetterRetries);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}

public sealed class SqliteJobProcessorTests() : JobProcessorContractTests(StorageProvider.Sqlite);

public sealed class PostgresJobProcessorTests() : JobProcessorContractTests(StorageProvider.Postgres)
{
    [Fact]
    public async Task Process_EnqueuedByAnotherProcess_WakesOnNotify()
    {
        var handler = new TestHandler("t");
        // Another process: its own signal, so only PostgreSQL's NOTIFY reaches this processor (the fake clock never polls).
        var elsewhere = new JobQueue(Database, Options, Time, new JobSignal());
        using var processor = CreateProcessor([handler]);
        await processor.StartAsync(default);
        await processor.Listening.WaitAsync(TimeSpan.FromSeconds(60));
        await elsewhere.EnqueueAsync(new JobRequest("t", "first"));
        await processor.StoredAsync(1);

        await elsewhere.EnqueueAsync(new JobRequest("t", "second"));
        await processor.StoredAsync(2);
        await processor.StopAsync(default);

        Assert.Equal(2, handler.Runs.Count);
    }
}
