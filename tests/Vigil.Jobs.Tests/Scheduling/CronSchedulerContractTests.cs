using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Scheduling;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Scheduling;

/// <summary>
/// The scheduler on a real database, once per provider: due times claimed once across processes,
/// one catch-up run after downtime, outcomes stored, runs on demand, the dead-letter task.
/// Each "process" is a container of its own over the shared database and the fake clock.
/// </summary>
public abstract class CronSchedulerContractTests(StorageProvider provider) : JobsTestBase(provider)
{
    private const string Test = "test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunDueAsync_NotYetDueThenDue_EnqueuedOnceAndMovedToTheNextOccurrence()
    {
        await using var process = await StartProcessAsync();
        Assert.Equal(T0.AddMinutes(5), (await process.StatusAsync()).NextRunAt);

        await process.Scheduler.RunDueAsync(default);
        Assert.Empty(await RunsAsync());

        Time.Advance(TimeSpan.FromMinutes(5));
        await process.Scheduler.RunDueAsync(default);
        await process.Scheduler.RunDueAsync(default);

        var run = Assert.Single(await RunsAsync());
        Assert.Equal($"schedule:{Test}:{T0.AddMinutes(5).ToUnixTimeMilliseconds()}", run.IdempotencyKey);
        Assert.Equal(T0.AddMinutes(10), (await process.StatusAsync()).NextRunAt);
    }

    [Fact]
    public async Task RunDueAsync_TwoProcessesRacing_EachDueTimeEnqueuedExactlyOnce()
    {
        await using var a = await StartProcessAsync();
        await using var b = await StartProcessAsync();

        for (var i = 0; i < 10; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(5));
            await Task.WhenAll(Task.Run(() => a.Scheduler.RunDueAsync(default)), Task.Run(() => b.Scheduler.RunDueAsync(default)));
        }

        var runs = await RunsAsync();
        Assert.Equal(10, runs.Count);
        Assert.Equal(10, runs.Select(r => r.IdempotencyKey).Distinct().Count());
        Assert.Equal(10, a.Scheduler.Enqueued + b.Scheduler.Enqueued);
    }

    [Fact]
    public async Task RunDueAsync_AfterEveryProcessWasDown_OneCatchUpRunThenOnFromNow()
    {
        await using (await StartProcessAsync())
        {
        }

        Time.Advance(TimeSpan.FromHours(3)); // 36 due times missed
        await using var restarted = await StartProcessAsync();
        await restarted.Scheduler.RunDueAsync(default);
        await restarted.Scheduler.RunDueAsync(default);

        Assert.Single(await RunsAsync());
        Assert.Equal(T0.AddHours(3).AddMinutes(5), (await restarted.StatusAsync()).NextRunAt);
    }

    [Fact]
    public async Task EnsureAsync_CronChangedWhileDown_RestartsFromTheNewExpressionWithoutCatchUp()
    {
        await using (await StartProcessAsync())
        {
        }

        Time.Advance(TimeSpan.FromHours(3));
        await using var changed = await StartProcessAsync(new() { [$"Vigil:Schedules:{Test}:Cron"] = "30 * * * *" });
        await changed.Scheduler.RunDueAsync(default);

        Assert.Empty(await RunsAsync());
        var status = await changed.StatusAsync();
        Assert.Equal("30 * * * *", status.Cron);
        Assert.Equal(T0.AddHours(3).AddMinutes(30), status.NextRunAt);
    }

    [Fact]
    public async Task RunDueAsync_Disabled_NeverEnqueued()
    {
        await using var process = await StartProcessAsync(new() { [$"Vigil:Schedules:{Test}:Enabled"] = "false" });
        Time.Advance(TimeSpan.FromHours(1));

        await process.Scheduler.RunDueAsync(default);

        Assert.Empty(await RunsAsync());
        var status = await process.StatusAsync();
        Assert.False(status.Enabled);
        Assert.Null(status.NextRunAt);
    }

    [Fact]
    public async Task EnsureAsync_EnabledAgainAfterDowntime_StartsFromTheNextOccurrenceWithoutCatchUp()
    {
        await using (await StartProcessAsync(new() { [$"Vigil:Schedules:{Test}:Enabled"] = "false" }))
        {
        }

        Time.Advance(TimeSpan.FromHours(3));
        await using var enabled = await StartProcessAsync();
        await enabled.Scheduler.RunDueAsync(default);

        Assert.Empty(await RunsAsync());
        Assert.Equal(T0.AddHours(3).AddMinutes(5), (await enabled.StatusAsync()).NextRunAt);
    }

    [Fact]
    public async Task EnsureAsync_TimeZone_DueAtTheLocalTime()
    {
        await using var process = await StartProcessAsync(new()
        {
            [$"Vigil:Schedules:{Test}:Cron"] = "0 2 * * *",
            [$"Vigil:Schedules:{Test}:TimeZone"] = "Europe/Paris",
        });

        var status = await process.StatusAsync();

        Assert.Equal("Europe/Paris", status.TimeZone);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 1, 0, 0, TimeSpan.Zero), status.NextRunAt); // 02:00 CET
        Time.Advance(TimeSpan.FromHours(13));
        await process.Scheduler.RunDueAsync(default);
        Assert.Single(await RunsAsync());
        Assert.Equal(new DateTimeOffset(2026, 1, 3, 1, 0, 0, TimeSpan.Zero), (await process.StatusAsync()).NextRunAt);
    }

    [Fact]
    public async Task RunNowAsync_OneTaskFailsThenAllSucceed_OutcomesStoredAndDueTimeUnmoved()
    {
        var failing = true;
        await using var process = await StartProcessAsync(
            tasks:
            [
                new TestTask("counting", _ =>
                {
                    Time.Advance(TimeSpan.FromSeconds(2));
                    return Task.FromResult<string?>("counted 3 things");
                }),
                new TestTask("flaky", _ => failing ? throw new InvalidOperationException("the disk is full") : Task.FromResult<string?>(null)),
            ]);
        var processor = process.Services.GetRequiredService<JobProcessor>();
        await processor.StartAsync(default);
        try
        {
            var failed = await process.RunAndWaitAsync();

            Assert.False(failed.Succeeded);
            Assert.Equal("flaky: the disk is full", failed.Error);
            Assert.Equal("counting: counted 3 things", failed.Detail);
            Assert.Equal(TimeSpan.FromSeconds(2), failed.Duration);
            var status = await process.StatusAsync();
            Assert.Equal(T0, status.LastRunAt);
            Assert.Equal(failed, status.LastOutcome);
            Assert.Equal(["counting", "flaky"], status.Tasks);
            Assert.Equal(T0.AddMinutes(5), status.NextRunAt);
            await processor.StoredAsync(1);
            Assert.Equal(JobState.Dead, (await Queue.GetAsync(failed.JobId!.Value))!.State); // not retried: the next due time reruns it

            failing = false;
            var succeeded = await process.RunAndWaitAsync();

            Assert.True(succeeded.Succeeded);
            Assert.Null(succeeded.Error);
            Assert.Equal(succeeded, (await process.StatusAsync()).LastOutcome);
            Assert.Equal(T0.AddSeconds(2), (await process.StatusAsync()).LastRunAt);
        }
        finally
        {
            await processor.StopAsync(default);
        }
    }

    [Fact]
    public async Task RunNowAsync_UnknownOrWithoutTasks_NothingEnqueued()
    {
        await using var process = await StartProcessAsync();

        Assert.Equal(ScheduleRunRequest.Unknown, await process.Schedules.RunNowAsync("no-such-schedule"));
        Assert.Equal(ScheduleRunRequest.NothingToRun, await process.Schedules.RunNowAsync(BuiltInSchedules.Aggregation));
        Assert.Empty(await RunsAsync());
        Assert.Null((await process.Schedules.ListAsync()).Single(s => s.Name == BuiltInSchedules.Aggregation).NextRunAt);
    }

    [Fact]
    public async Task DeadLetterTask_HeldKeysAndScheduleRunsLeftDead_AtMostTheLimitPerRun()
    {
        string[] keys = ["open-channel", "ok-1", "ok-2", "ok-3", null!];
        await Queue.EnqueueAsync([.. keys.Select(k => new JobRequest("t", k ?? "none", ConcurrencyKey: k))]);
        await Queue.EnqueueAsync(new JobRequest(ScheduleStore.JobType, Test, MaxAttempts: 1));
        foreach (var type in new[] { "t", ScheduleStore.JobType })
        {
            var claimed = await ClaimAsync("w1", 10, type);
            await Queue.CompleteAsync("w1", [.. claimed.Select(j => new JobCompletion(j, JobOutcome.Fail("refused")))]);
        }

        Time.Advance(Options.DeadLetterRetryInterval);
        await using var process = await StartProcessAsync(hold: new TestHold("open-channel"), limit: 3);
        var task = process.Services.GetServices<IScheduledTask>().Single(t => t.Name == "jobs.dead-letters");

        Assert.Equal("re-queued 3 dead letters, 1 destinations held", await task.RunAsync(default));
        Assert.Equal("re-queued 1 dead letters, 1 destinations held", await task.RunAsync(default));
        Assert.Equal("re-queued 0 dead letters, 1 destinations held", await task.RunAsync(default));

        Assert.Equal(["none", "ok-1", "ok-2", "ok-3"], (await Queue.ListAsync(JobState.Queued)).Select(j => j.Payload).Order());
        Assert.Equal(["open-channel", Test], (await Queue.ListAsync(JobState.Dead)).Select(j => j.Payload).Order(StringComparer.Ordinal));
    }

    private async Task<IReadOnlyList<JobInfo>> RunsAsync() =>
        [.. (await Queue.ListAsync(type: ScheduleStore.JobType)).Where(j => j.Payload == Test)];

    private async Task<SchedulerProcess> StartProcessAsync(Dictionary<string, string?>? settings = null, IScheduledTask[]? tasks = null, IDeadLetterHold? hold = null, int? limit = null)
    {
        var all = new Dictionary<string, string?>
        {
            // Only the test schedule runs by itself here; the built-in ones are tested on their own.
            ["Vigil:Schedules:dead-letter-retry:Enabled"] = "false",
            ["Vigil:Schedules:cleanup:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(Database);
        services.AddSingleton<TimeProvider>(Time);
        services.AddVigilSchedules(configuration);
        services.AddSchedule(Test, "*/5 * * * *", configuration);
        foreach (var task in tasks ?? [new TestTask("noop", _ => Task.FromResult<string?>(null))])
        {
            services.AddSingleton(task);
        }

        if (hold is not null)
        {
            services.AddSingleton(hold);
        }

        if (limit is { } max)
        {
            services.Configure<JobsOptions>(o => o.DeadLetterRetryLimit = max);
        }

        var process = new SchedulerProcess(services.BuildServiceProvider());
        await process.Scheduler.EnsureAsync(default);
        return process;
    }

    private sealed class SchedulerProcess(ServiceProvider services) : IAsyncDisposable
    {
        public ServiceProvider Services { get; } = services;

        public ScheduleService Schedules { get; } = services.GetRequiredService<ScheduleService>();

        public CronScheduler Scheduler { get; } = services.GetRequiredService<CronScheduler>();

        public async Task<ScheduleStatus> StatusAsync() => (await Schedules.GetAsync(Test))!;

        /// <summary>Runs the test schedule now and waits for its outcome to be stored.</summary>
        public async Task<ScheduleOutcome> RunAndWaitAsync()
        {
            var recorded = new TaskCompletionSource<ScheduleOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnRecorded(string name, ScheduleOutcome outcome)
            {
                if (name == Test)
                {
                    recorded.TrySetResult(outcome);
                }
            }

            Schedules.Recorded += OnRecorded;
            try
            {
                Assert.Equal(ScheduleRunRequest.Enqueued, await Schedules.RunNowAsync(Test));
                return await recorded.Task.WaitAsync(Patience);
            }
            finally
            {
                Schedules.Recorded -= OnRecorded;
            }
        }

        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    private sealed class TestTask(string name, Func<CancellationToken, Task<string?>> run) : IScheduledTask
    {
        public string Schedule => Test;

        public string Name { get; } = name;

        public Task<string?> RunAsync(CancellationToken cancellationToken) => run(cancellationToken);
    }

    private sealed class TestHold(params string[] keys) : IDeadLetterHold
    {
        public ValueTask<IReadOnlyCollection<string>> HeldKeysAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyCollection<string>>(keys);
    }
}

public sealed class SqliteCronSchedulerContractTests() : CronSchedulerContractTests(StorageProvider.Sqlite);

public sealed class PostgresCronSchedulerContractTests() : CronSchedulerContractTests(StorageProvider.Postgres);
