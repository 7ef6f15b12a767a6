using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Queue;

/// <summary>Every queue behaviour, run once per provider (see the subclasses below).</summary>
public abstract class JobQueueContractTests(StorageProvider provider) : JobsTestBase(provider)
{
    [Fact]
    public async Task EnqueueAsync_TransactionRolledBack_LeavesNothing()
    {
        await using (var work = await Database.BeginAsync())
        {
            var added = await Queue.EnqueueAsync(work, [new JobRequest("t", "{}", "key-1"), new JobRequest("t", "{}")]);
            Assert.Equal(2, added);
            // Disposed without a commit: rolled back.
        }

        Assert.Equal(0, (await Queue.CountsAsync()).Pending);
        Assert.Empty(await Queue.ListAsync());
        // The key went with the rollback: it can be used now.
        Assert.True(await Queue.EnqueueAsync(new JobRequest("t", "{}", "key-1")));
    }

    [Fact]
    public async Task EnqueueAsync_CallerTransactionCommitted_JobsExistWithDefaults()
    {
        await using (var work = await Database.BeginAsync())
        {
            await Queue.EnqueueAsync(work, [new JobRequest("export-data", "{\"a\":1}", ConcurrencyKey: "c1")]);
            await work.CommitAsync();
        }

        var job = Assert.Single(await Queue.ListAsync(JobState.Queued));
        Assert.Equal("export-data", job.Type);
        Assert.Equal("{\"a\":1}", job.Payload);
        Assert.Equal((int)JobPriority.Low, job.Priority);
        Assert.Equal(4, job.MaxAttempts); // seed table: 3 retries
        Assert.Equal("c1", job.ConcurrencyKey);
        Assert.Equal(0, job.Attempts);
        Assert.Equal(T0, job.RunAt);
        Assert.Equal(job, await Queue.GetAsync(job.Id));
    }

    [Fact]
    public async Task EnqueueAsync_DuplicateIdempotencyKeys_SkippedSilently()
    {
        var first = await Queue.EnqueueAsync([new JobRequest("t", "1", "k1"), new JobRequest("t", "2", "k1"), new JobRequest("t", "3", "k2"), new JobRequest("t", "4")]);
        var second = await Queue.EnqueueAsync([new JobRequest("t", "5", "k1"), new JobRequest("t", "6", "k3")]);

        Assert.Equal(3, first);
        Assert.Equal(1, second);
        var payloads = (await Queue.ListAsync(JobState.Queued)).Select(j => j.Payload).Order().ToArray();
        Assert.Equal(["1", "3", "4", "6"], payloads);
    }

    [Fact]
    public async Task FinishedSinceAsync_JobsFinishedBeforeAndAfter_CountsOnlyTheWindowByOutcome()
    {
        // Arrange: one success and one dead letter an hour ago, then two successes and one dead letter now.
        await FinishAsync(JobOutcome.Succeeded, JobOutcome.Fail("old"));
        Time.Advance(TimeSpan.FromHours(1));
        var windowStart = Time.GetUtcNow();
        await FinishAsync(JobOutcome.Succeeded, JobOutcome.Succeeded, JobOutcome.Fail("new"));

        // Act
        var recent = await Queue.FinishedSinceAsync(windowStart);
        var all = await Queue.FinishedSinceAsync(windowStart - TimeSpan.FromHours(2));

        // Assert
        Assert.Equal(new FinishedCounts(2, 1), recent);
        Assert.Equal(100.0 / 3, recent.FailureRatePercent, 6);
        Assert.Equal(new FinishedCounts(3, 2), all);
        Assert.Equal(0, new FinishedCounts(0, 0).FailureRatePercent);
    }

    private async Task FinishAsync(params JobOutcome[] outcomes)
    {
        await Queue.EnqueueAsync([.. outcomes.Select(_ => new JobRequest("t", "{}", MaxAttempts: 1))]);
        var claimed = await ClaimAsync("w1", outcomes.Length);
        Assert.Equal(outcomes.Length, claimed.Count);
        await Queue.CompleteAsync("w1", [.. claimed.Select((job, i) => new JobCompletion(job, outcomes[i]))]);
    }

    [Fact]
    public async Task EnqueueAsync_KeyOfFinishedJob_IsNoOpUntilCleanup()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", "once"));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Succeeded)]);

        Assert.False(await Queue.EnqueueAsync(new JobRequest("t", "{}", "once")));
        Assert.Equal(0, (await Queue.CountsAsync()).Pending);

        Time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await Queue.CleanupAsync());
        Assert.True(await Queue.EnqueueAsync(new JobRequest("t", "{}", "once")));
    }

    [Fact]
    public async Task ListByKeysAsync_QueuedAndFinishedJobsOfTheKeys_FinishedOnlySinceTheBound()
    {
        var start = Time.GetUtcNow();
        await Queue.EnqueueAsync(new JobRequest("t", "done", "alert-1:ops"));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Succeeded)]);
        await Queue.EnqueueAsync(new JobRequest("t", "waiting", "alert-1:mail"));
        await Queue.EnqueueAsync(new JobRequest("t", "other", "alert-2:ops"));

        var found = await Queue.ListByKeysAsync(["alert-1:ops", "alert-1:mail", "alert-1:none"], start);
        var later = await Queue.ListByKeysAsync(["alert-1:ops", "alert-1:mail"], start.AddMinutes(1));

        Assert.Equal([("done", JobState.Succeeded), ("waiting", JobState.Queued)], found.Select(j => (j.Payload, j.State)));
        Assert.Equal(["waiting"], later.Select(j => j.Payload));
        Assert.Empty(await Queue.ListByKeysAsync([], start));
    }

    [Fact]
    public async Task EnqueueAsync_KeyOfDeadJob_IsNoOp()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", "dead-key"));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Fail("bad request"))]);

        Assert.False(await Queue.EnqueueAsync(new JobRequest("t", "{}", "dead-key")));
    }

    [Fact]
    public async Task EnqueueAsync_MalformedRequests_ThrowArgumentExceptions()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest("", "{}")));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest("  ", "{}")));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest(new string('x', 201), "{}")));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest("t", null!)));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest("t", "{}", IdempotencyKey: "")));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync(new JobRequest("t", "{}", ConcurrencyKey: "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 0)));
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.EnqueueAsync([new JobRequest("t", "{}"), null!]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Queue.ListAsync(limit: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobOutcome.Retry("x", TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobOutcome.Postpone(TimeSpan.FromSeconds(-1), "x"));
        // A malformed batch enqueues nothing, not even its valid part.
        Assert.Equal(0, (await Queue.CountsAsync()).Pending);
    }

    [Fact]
    public async Task ClaimAsync_Priorities_HighestFirstThenOldestDue()
    {
        await Queue.EnqueueAsync([new JobRequest("t", "low", Priority: (int)JobPriority.Low), new JobRequest("t", "medium-1")]);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Queue.EnqueueAsync([new JobRequest("t", "high", Priority: (int)JobPriority.High), new JobRequest("t", "medium-2")]);

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            order.Add(Assert.Single(await ClaimAsync("w1", total: 1)).Payload);
        }

        Assert.Equal(["high", "medium-1", "medium-2", "low"], order);
        Assert.Empty(await ClaimAsync("w1"));
    }

    [Fact]
    public async Task ClaimAsync_Batch_ReturnsInPriorityOrderAndUsesAnAttempt()
    {
        await Queue.EnqueueAsync([new JobRequest("t", "low", Priority: 3), new JobRequest("t", "high", Priority: 1), new JobRequest("t", "medium", Priority: 2)]);

        var claimed = await ClaimAsync("w1");

        Assert.Equal(["high", "medium", "low"], claimed.Select(j => j.Payload));
        Assert.All(claimed, j => Assert.Equal(1, j.Attempts));
        var running = await Queue.ListAsync(JobState.Processing);
        Assert.Equal(3, running.Count);
        Assert.All(running, j => Assert.Equal("w1", j.LeaseOwner));
        Assert.All(running, j => Assert.Equal(T0 + Options.LeaseDuration, j.LeaseUntil));
    }

    [Fact]
    public async Task ClaimAsync_ScheduledJob_NotBeforeItsTime()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", RunAt: T0.AddMinutes(5)));

        Assert.Empty(await ClaimAsync("w1"));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await ClaimAsync("w1"));
    }

    [Fact]
    public async Task ClaimAsync_PerTypeLimitsAndTotal_Respected()
    {
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 5).Select(i => new JobRequest("a", $"a{i}")), .. Enumerable.Range(0, 5).Select(i => new JobRequest("b", $"b{i}")), new JobRequest("c", "c")]);

        var claimed = await Queue.ClaimAsync("w1", [new TypeClaim("a", 2), new TypeClaim("b", 3)], total: 4, busyKeys: []);

        Assert.Equal(4, claimed.Count);
        Assert.True(claimed.Count(j => j.Type == "a") <= 2);
        Assert.True(claimed.Count(j => j.Type == "b") <= 3);
        Assert.DoesNotContain(claimed, j => j.Type == "c");
    }

    [Fact]
    public async Task ClaimAsync_BusyKey_SkippedForOtherKeys()
    {
        await Queue.EnqueueAsync([new JobRequest("t", "slow-1", Priority: 1, ConcurrencyKey: "slow"), new JobRequest("t", "slow-2", Priority: 1, ConcurrencyKey: "slow"), new JobRequest("t", "fast", Priority: 3, ConcurrencyKey: "fast"), new JobRequest("t", "none", Priority: 3)]);

        var claimed = await ClaimAsync("w1", 10, "t", "slow");

        Assert.Equal(["fast", "none"], claimed.Select(j => j.Payload).Order());
    }

    [Fact]
    public async Task ClaimAsync_BusyKey_SkippedInEveryType()
    {
        await Queue.EnqueueAsync([new JobRequest("a", "a-slow", ConcurrencyKey: "slow"), new JobRequest("b", "b-slow", ConcurrencyKey: "slow"), new JobRequest("b", "b-fast", ConcurrencyKey: "fast")]);

        var claimed = await Queue.ClaimAsync("w1", [new TypeClaim("a", 5), new TypeClaim("b", 5)], total: 10, busyKeys: ["slow"]);

        Assert.Equal(["b-fast"], claimed.Select(j => j.Payload));
    }

    [Fact]
    public async Task CompleteAndClaimAsync_KeyClaim_TakesThatKeysNextJobsOfTheGivenTypes()
    {
        await Queue.EnqueueAsync([
            new JobRequest("a", "a1", Priority: 3, ConcurrencyKey: "k"),
            new JobRequest("b", "b1", Priority: 1, ConcurrencyKey: "k"),
            new JobRequest("a", "a2", Priority: 3, ConcurrencyKey: "k"),
            new JobRequest("c", "c1", Priority: 0, ConcurrencyKey: "k"),
            new JobRequest("a", "other", Priority: 0, ConcurrencyKey: "other"),
            new JobRequest("a", "none", Priority: 0)]);
        var first = Assert.Single(await ClaimAsync("w1", 1, "a"));
        Assert.Equal("other", first.Payload);

        // The outcome and the key's next two jobs (of types a and b; c is not this worker's) in one step.
        var (applied, claimed) = await Queue.CompleteAndClaimAsync(
            "w1", [new JobCompletion(first, JobOutcome.Succeeded)], [], 0, ["k"], [new KeyClaim("k", 2, 5)], ["a", "b"], recoverExpired: false);

        Assert.Equal(1, applied);
        Assert.Equal(["b1", "a1"], claimed.Select(j => j.Payload));
        Assert.All(claimed, j => Assert.Equal(1, j.Attempts));
        Assert.Equal(["a2", "c1", "none"], (await Queue.ListAsync(JobState.Queued)).Select(j => j.Payload).Order());
    }

    [Fact]
    public async Task ClaimAsync_LeaseOfDeadWorkerExpired_AnotherWorkerGetsTheJob()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var first = Assert.Single(await ClaimAsync("dead-worker"));

        Time.Advance(Options.LeaseDuration - TimeSpan.FromSeconds(1));
        Assert.Empty(await ClaimAsync("w2"));
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync("w2"));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Attempts);
        Assert.Contains("lease expired", second.LastError, StringComparison.Ordinal);
        // The dead worker coming back cannot complete a job it no longer holds; the new holder can.
        Assert.Equal(0, await Queue.CompleteAsync("dead-worker", [new JobCompletion(first, JobOutcome.Succeeded)]));
        Assert.Equal(JobState.Processing, (await Queue.GetAsync(first.Id))!.State);
        Assert.Equal(1, await Queue.CompleteAsync("w2", [new JobCompletion(second, JobOutcome.Succeeded)]));
        Assert.Equal(JobState.Succeeded, (await Queue.GetAsync(first.Id))!.State);
    }

    [Fact]
    public async Task ClaimAsync_SameWorkerStaleClaim_CannotCompleteTheNewOne()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var stale = Assert.Single(await ClaimAsync("w1"));
        Time.Advance(Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var fresh = Assert.Single(await ClaimAsync("w1"));

        Assert.Equal(0, await Queue.CompleteAsync("w1", [new JobCompletion(stale, JobOutcome.Succeeded)]));
        Assert.Equal(1, await Queue.CompleteAsync("w1", [new JobCompletion(fresh, JobOutcome.Succeeded)]));
    }

    [Fact]
    public async Task ClaimAsync_LeaseExpiredOnLastAttempt_DeadLetters()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 1));
        var claimed = Assert.Single(await ClaimAsync("dead-worker"));

        Time.Advance(Options.LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.Empty(await ClaimAsync("w2"));

        var dead = Assert.Single(await Queue.ListAsync(JobState.Dead));
        Assert.Equal(claimed.Id, dead.Id);
        Assert.Contains("lease expired", dead.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenewAsync_HeldLease_KeepsOtherWorkersOff()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var claimed = Assert.Single(await ClaimAsync("w1"));

        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal([claimed.Id], await Queue.RenewAsync("w1", [claimed.Id]));
        Assert.Empty(await Queue.RenewAsync("w2", [claimed.Id]));
        Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Empty(await ClaimAsync("w2"));
        Assert.Equal(T0.AddSeconds(50), (await Queue.GetAsync(claimed.Id))!.LeaseUntil);
    }

    [Fact]
    public async Task CompleteAsync_Retries_FollowTheBackoffSchedule()
    {
        // Base 10 s, factor 2, at most 60 s, no jitter; 6 attempts.
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 6));
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var claimed = Assert.Single(await ClaimAsync("w1"));
            Assert.Equal(attempt, claimed.Attempts);
            await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry($"boom {attempt}"))]);
            var job = (await Queue.GetAsync(claimed.Id))!;
            Assert.Equal(JobState.Retrying, job.State);
            Assert.Equal($"boom {attempt}", job.LastError);
            var delay = job.RunAt!.Value - Time.GetUtcNow();
            delays.Add(delay);

            Time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.Empty(await ClaimAsync("w1"));
            Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal([10, 20, 40, 60, 60], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public async Task CompleteAsync_RetryAfter_WaitsTheGivenDelay()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var claimed = Assert.Single(await ClaimAsync("w1"));

        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry("429", TimeSpan.FromSeconds(120)))]);

        Assert.Equal(T0.AddSeconds(120), (await Queue.GetAsync(claimed.Id))!.RunAt);
    }

    [Fact]
    public async Task CompleteAsync_RetryPolicyOfType_Applies()
    {
        Options.Types["slow-type"] = new JobTypeOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMinutes(3), Jitter = 0, MaxAttempts = 2 } };
        await Queue.EnqueueAsync(new JobRequest("slow-type", "{}"));
        var claimed = Assert.Single(await ClaimAsync("w1", type: "slow-type"));

        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry("x"))]);

        var job = (await Queue.GetAsync(claimed.Id))!;
        Assert.Equal(2, job.MaxAttempts);
        Assert.Equal(T0.AddMinutes(3), job.RunAt);
    }

    [Fact]
    public async Task CompleteAsync_Postpone_DoesNotUseAnAttempt()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 1));
        for (var i = 0; i < 5; i++)
        {
            var claimed = Assert.Single(await ClaimAsync("w1"));
            Assert.Equal(1, claimed.Attempts);
            await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Postpone(Time.GetUtcNow().AddSeconds(60), "circuit open"))]);
            var job = (await Queue.GetAsync(claimed.Id))!;
            Assert.Equal(JobState.Queued, job.State);
            Assert.Equal(0, job.Attempts);
            Assert.Equal("postponed: circuit open", job.LastError);
            Assert.Empty(await ClaimAsync("w1"));
            Time.Advance(TimeSpan.FromSeconds(60));
        }

        var last = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(last, JobOutcome.Succeeded)]);
        Assert.Equal(JobState.Succeeded, (await Queue.GetAsync(last.Id))!.State);
    }

    [Fact]
    public async Task CompleteAsync_LastAttemptFails_DeadLetters()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 2));
        var first = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(first, JobOutcome.Retry("first"))]);
        Time.Advance(TimeSpan.FromSeconds(10));
        var second = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(second, JobOutcome.Retry("second"))]);

        var dead = (await Queue.GetAsync(first.Id))!;
        Assert.Equal(JobState.Dead, dead.State);
        Assert.Equal(2, dead.Attempts);
        Assert.Equal("second", dead.LastError);
        Assert.Equal(Time.GetUtcNow(), dead.FinishedAt);
        Assert.Empty(await Queue.ListAsync(JobState.Retrying));
        Assert.Empty(await ClaimAsync("w1"));
    }

    [Fact]
    public async Task CompleteAsync_Fail_DeadLettersAtOnce()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 5));
        var claimed = Assert.Single(await ClaimAsync("w1"));

        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Fail("410 Gone"))]);

        var dead = Assert.Single(await Queue.ListAsync(JobState.Dead));
        Assert.Equal(1, dead.Attempts);
        Assert.Equal("410 Gone", dead.LastError);
    }

    [Fact]
    public async Task CompleteAsync_Release_RefundsTheAttempt()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var claimed = Assert.Single(await ClaimAsync("w1"));

        Assert.Equal(1, await Queue.CompleteAsync("w1", [JobCompletion.Release(claimed)]));

        var job = (await Queue.GetAsync(claimed.Id))!;
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.LeaseOwner);
        Assert.Single(await ClaimAsync("w2"));
    }

    [Fact]
    public async Task CompleteAsync_MixedBatch_AppliesEachOutcome()
    {
        await Queue.EnqueueAsync([new JobRequest("t", "ok"), new JobRequest("t", "retry"), new JobRequest("t", "fail"), new JobRequest("t", "later")]);
        var claimed = (await ClaimAsync("w1")).ToDictionary(j => j.Payload);

        var applied = await Queue.CompleteAsync("w1",
        [
            new JobCompletion(claimed["ok"], JobOutcome.Succeeded),
            new JobCompletion(claimed["retry"], JobOutcome.Retry("x")),
            new JobCompletion(claimed["fail"], JobOutcome.Fail("y")),
            new JobCompletion(claimed["later"], JobOutcome.Postpone(TimeSpan.FromMinutes(1), "z")),
        ]);

        Assert.Equal(4, applied);
        Assert.Equal(new JobCounts(Queued: 1, Retrying: 1, Processing: 0, Succeeded: 1, Dead: 1, ExpiredLeases: 0), await Queue.CountsAsync());
    }

    [Fact]
    public async Task ReplayAsync_DeadJob_QueuedAgainFresh()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "payload", "replay-key", MaxAttempts: 1));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry("down"))]);
        Time.Advance(TimeSpan.FromMinutes(5));

        Assert.True(await Queue.ReplayAsync(claimed.Id));

        var job = (await Queue.GetAsync(claimed.Id))!;
        Assert.Equal(JobState.Queued, job.State);
        Assert.Equal(0, job.Attempts);
        Assert.Equal("payload", job.Payload);
        Assert.Equal("replay-key", job.IdempotencyKey);
        Assert.Equal(Time.GetUtcNow(), job.RunAt);
        Assert.Empty(await Queue.ListAsync(JobState.Dead));
        Assert.False(await Queue.ReplayAsync(claimed.Id)); // already queued
        Assert.False(await Queue.EnqueueAsync(new JobRequest("t", "again", "replay-key")));
        var again = Assert.Single(await ClaimAsync("w1"));
        Assert.Equal(claimed.Id, again.Id);
        Assert.Equal(1, again.Attempts);
    }

    [Fact]
    public async Task ReplayAsync_SucceededJobOrUnknownId_ReplaysOrRefuses()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}"));
        var claimed = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Succeeded)]);

        Assert.False(await Queue.ReplayAsync(claimed.Id + 1000));
        Assert.True(await Queue.ReplayAsync(claimed.Id));
        Assert.Equal(JobState.Queued, (await Queue.GetAsync(claimed.Id))!.State);
    }

    [Fact]
    public async Task RetryDeadLettersAsync_Hourly_UpToFiveTimesThenLeavesThem()
    {
        await Queue.EnqueueAsync(new JobRequest("t", "{}", MaxAttempts: 1));
        long id = 0;
        for (var pass = 1; pass <= 7; pass++)
        {
            if ((await Queue.GetAsync(id))?.State != JobState.Dead)
            {
                var claimed = Assert.Single(await ClaimAsync("w1"));
                id = claimed.Id;
                await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Retry("still down"))]);
            }

            Assert.Equal(0, await Queue.RetryDeadLettersAsync()); // dead for less than an hour
            Time.Advance(TimeSpan.FromHours(1));
            var requeued = await Queue.RetryDeadLettersAsync();

            Assert.Equal(pass <= 5 ? 1 : 0, requeued);
            var job = (await Queue.GetAsync(id))!;
            Assert.Equal(pass <= 5 ? JobState.Queued : JobState.Dead, job.State);
            Assert.Equal(Math.Min(pass, 5), job.DeadLetterRetries);
        }
    }

    [Fact]
    public async Task CleanupAsync_FinishedOlderThanRetention_Removed()
    {
        await Queue.EnqueueAsync([new JobRequest("t", "old-ok", "k-ok"), new JobRequest("t", "old-dead", "k-dead")]);
        var old = (await ClaimAsync("w1")).ToDictionary(j => j.Payload);
        await Queue.CompleteAsync("w1", [new JobCompletion(old["old-ok"], JobOutcome.Succeeded), new JobCompletion(old["old-dead"], JobOutcome.Fail("x"))]);
        Time.Advance(TimeSpan.FromDays(29));
        await Queue.EnqueueAsync([new JobRequest("t", "recent"), new JobRequest("t", "pending", RunAt: Time.GetUtcNow().AddDays(10))]);
        var recent = Assert.Single(await ClaimAsync("w1"));
        await Queue.CompleteAsync("w1", [new JobCompletion(recent, JobOutcome.Succeeded)]);

        Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await Queue.CleanupAsync());
        Assert.Equal(0, await Queue.CleanupAsync());

        Assert.Null(await Queue.GetAsync(old["old-ok"].Id));
        Assert.Equal(["pending", "recent"], (await Queue.ListAsync()).Select(j => j.Payload).Order());
        Assert.True(await Queue.EnqueueAsync(new JobRequest("t", "{}", "k-ok")));
    }

    [Fact]
    public async Task CountsAsync_ByState_IncludingExpiredLeases()
    {
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 6).Select(i => new JobRequest("t", $"{i}"))]);
        var claimed = await ClaimAsync("w1", total: 4);
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed[0], JobOutcome.Succeeded), new JobCompletion(claimed[1], JobOutcome.Retry("x"))]);

        Assert.Equal(new JobCounts(2, 1, 2, 1, 0, 0), await Queue.CountsAsync());
        Time.Advance(Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var counts = await Queue.CountsAsync();
        Assert.Equal(2, counts.ExpiredLeases);
        Assert.Equal(5, counts.Pending);
    }

    [Fact]
    public async Task ListAsync_StateAndType_Filters()
    {
        await Queue.EnqueueAsync([new JobRequest("a", "a1"), new JobRequest("a", "a2"), new JobRequest("b", "b1")]);
        var claimed = Assert.Single(await ClaimAsync("w1", total: 1, type: "a"));
        await Queue.CompleteAsync("w1", [new JobCompletion(claimed, JobOutcome.Fail("x"))]);

        Assert.Equal(["a2"], (await Queue.ListAsync(JobState.Queued, "a")).Select(j => j.Payload));
        Assert.Equal(["a1"], (await Queue.ListAsync(JobState.Dead)).Select(j => j.Payload));
        Assert.Empty(await Queue.ListAsync(JobState.Dead, "b"));
        Assert.Equal(["a1", "a2"], (await Queue.ListAsync(type: "a")).Select(j => j.Payload).Order());
        Assert.Equal(2, (await Queue.ListAsync(limit: 2)).Count);
    }
}

public sealed class SqliteJobQueueTests() : JobQueueContractTests(StorageProvider.Sqlite);

public sealed class PostgresJobQueueTests() : JobQueueContractTests(StorageProvider.Postgres)
{
    [Fact]
    public async Task CompleteAndClaimAsync_KeyAtItsLimitInAnotherProcess_ClaimsOnlyTheFreeSlotsUntilALeaseExpires()
    {
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 6).Select(i => new JobRequest("t", $"{i}", ConcurrencyKey: "channel"))]);

        // By type, a worker takes one job of a key no one runs, and none of a key someone runs.
        var first = Assert.Single(await ClaimAsync("node-a"));
        Assert.Empty(await ClaimAsync("node-b"));
        var (_, byA) = await Queue.CompleteAndClaimAsync("node-a", [], [], 0, ["channel"], [new KeyClaim("channel", 10, 3)], ["t"], recoverExpired: false);
        Assert.Equal(2, byA.Count); // 3 in all
        var (_, full) = await Queue.CompleteAndClaimAsync("node-b", [], [], 0, ["channel"], [new KeyClaim("channel", 10, 3)], ["t"], recoverExpired: false);
        Assert.Empty(full);

        // A's job finishing frees one slot, which B may take.
        await Queue.CompleteAsync("node-a", [new JobCompletion(first, JobOutcome.Succeeded)]);
        var (_, byB) = await Queue.CompleteAndClaimAsync("node-b", [], [], 0, ["channel"], [new KeyClaim("channel", 10, 3)], ["t"], recoverExpired: false);
        Assert.Single(byB);

        // A's leases run out (A died): their slots are free before the recovery pass requeues them.
        Time.Advance(Options.LeaseDuration + TimeSpan.FromSeconds(1));
        var (_, afterExpiry) = await Queue.CompleteAndClaimAsync("node-b", [], [], 0, ["channel"], [new KeyClaim("channel", 10, 3)], ["t"], recoverExpired: false);
        Assert.Equal(2, afterExpiry.Count); // the two left queued: B's own expired too, all 3 slots free
    }
}
