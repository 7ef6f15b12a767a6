using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Delivery.Pipeline;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Tests.Pipeline;

/// <summary>
/// At-least-once delivery of alert notifications to a real webhook receiver on loopback: the
/// webhook-id is stable across retries and workers, a crashed worker's delivery is made again,
/// 410 Gone and open breakers end or hold a job as a user expects, quiet hours and digests hold
/// warnings.
/// </summary>
public abstract class NotificationDeliveryContractTests(StorageProvider provider) : DeliveryTestBase(provider)
{
    private static readonly Dictionary<string, string?> ShortLeases = new()
    {
        ["Vigil:Jobs:LeaseDuration"] = "00:00:05",
        ["Vigil:Jobs:HeartbeatInterval"] = "00:00:01",
    };

    [Fact]
    public async Task Deliver_ReceiverFailsThenAccepts_SameWebhookIdOnEveryAttempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(1, 500);
        var host = await CreateHostAsync();
        await AddWebhookChannelAsync(host, "ops", receiver);
        var fired = Fire("/search", ["ops"], Severity.Critical, T0);

        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([fired]);
        var job = Assert.Single(await JobsAsync(host));
        await JobReachesAsync(host, job.Id, JobState.Retrying, attempts: 1);
        Advance(TimeSpan.FromSeconds(7)); // the first retry is due after 5 s ± 20 %

        var done = await JobReachesAsync(host, job.Id, JobState.Succeeded, attempts: 2);
        var requests = await AnsweredAsync(receiver, 2);
        Assert.Equal([500, 200], requests.Select(r => r.Status));
        Assert.Equal($"{fired.Intents[0].IdempotencyKey}:ops", done.IdempotencyKey);
        Assert.All(requests, r => Assert.Equal(done.IdempotencyKey, r.Header("webhook-id")));
        Assert.Equal(fired.Alert!.Id, requests[1].Json.GetProperty("alertId").GetString());
        Assert.Equal($"http://127.0.0.1:5080/alerts/{fired.Alert.Id}", requests[1].Json.GetProperty("dashboardUrl").GetString()); // the dashboard's alert page
    }

    [Fact]
    public async Task Deliver_WorkerDiesMidSend_AnotherWorkerDeliversAfterTheLease_SameWebhookId()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Enqueue(new ScriptedAnswer(200, HoldUntil: hold)); // the first worker never hears back
        try
        {
            // The first worker's clock stands still: it never renews its lease, as a dead process would not.
            var first = await CreateHostAsync(new Dictionary<string, string?>(ShortLeases) { ["Vigil:Jobs:MaxConcurrency"] = "1" }, new FakeTimeProvider(T0));
            await AddWebhookChannelAsync(first, "ops", receiver);
            var fired = Fire("/search", ["ops"], Severity.Critical, T0);
            await first.Services.GetRequiredService<AlertRepository>().SaveAsync([fired]);
            await receiver.WaitForArrivalsAsync(1);
            var job = Assert.Single(await JobsAsync(first));
            Assert.Equal(JobState.Processing, job.State);

            Time.Advance(TimeSpan.FromSeconds(6)); // past the 5 s lease
            var second = await CreateHostAsync(ShortLeases);

            var done = await JobReachesAsync(second, job.Id, JobState.Succeeded);
            Assert.Equal(200, Assert.Single(await AnsweredAsync(receiver, 1)).Status);

            // The first worker hears back at last; its late outcome must not undo the delivery.
            hold.TrySetResult();
            var requests = await AnsweredAsync(receiver, 2);
            await first.StopAsync();
            Assert.Equal(JobState.Succeeded, (await second.Services.GetRequiredService<JobQueue>().GetAsync(job.Id))!.State);
            Assert.Equal(2, requests.Count);
            Assert.All(requests, r => Assert.Equal($"{fired.Intents[0].IdempotencyKey}:ops", r.Header("webhook-id")));
            Assert.Equal(2, done.Attempts);
        }
        finally
        {
            hold.TrySetResult();
        }
    }

    [Fact]
    public async Task Deliver_ReceiverAnswersGone_ChannelDisabledAndJobDeadWithoutRetry()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(1, 410);
        var host = await CreateHostAsync();
        await AddWebhookChannelAsync(host, "ops", receiver);

        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([Fire("/search", ["ops"], Severity.Critical, T0)]);
        var job = Assert.Single(await JobsAsync(host));

        var dead = await JobReachesAsync(host, job.Id, JobState.Dead);
        Assert.Equal(1, dead.Attempts);
        Assert.Contains("410", dead.LastError, StringComparison.Ordinal);
        var channel = await host.Services.GetRequiredService<ChannelRepository>().GetAsync("ops");
        Assert.NotNull(channel);
        Assert.False(channel.Enabled);
        Assert.Contains("410", channel.DisabledReason, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);

        // The next notification to the disabled channel is not sent either.
        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([Fire("/other", ["ops"], Severity.Critical, T0)]);
        var next = Assert.Single(await JobsAsync(host), j => j.Id != job.Id);
        Assert.Contains("disabled", (await JobReachesAsync(host, next.Id, JobState.Dead)).LastError, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task Deliver_BreakerOpen_PostponedWithoutUsingAnAttempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(2, 503);
        var host = await CreateHostAsync(new Dictionary<string, string?> { ["Vigil:Delivery:BreakerFailureThreshold"] = "2" });
        await AddWebhookChannelAsync(host, "ops", receiver);
        var alerts = host.Services.GetRequiredService<AlertRepository>();

        // Two failures in a row open the destination's breaker.
        await alerts.SaveAsync([Fire("/a", ["ops"], Severity.Critical, T0), Fire("/b", ["ops"], Severity.Critical, T0)]);
        var failed = await JobsAsync(host);
        foreach (var failing in failed)
        {
            await JobReachesAsync(host, failing.Id, JobState.Retrying, attempts: 1);
        }

        await alerts.SaveAsync([Fire("/c", ["ops"], Severity.Critical, T0)]);
        var held = Assert.Single(await JobsAsync(host), j => !failed.Any(f => f.Id == j.Id));

        var postponed = await EventuallyAsync(() => host.Services.GetRequiredService<JobQueue>().GetAsync(held.Id), j => j!.LastError is not null && j.State != JobState.Processing);
        Assert.Equal(0, postponed!.Attempts);
        Assert.Contains("circuit breaker", postponed.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.True(postponed.RunAt > T0.AddSeconds(30), $"run at {postponed.RunAt}"); // when the breaker lets a probe through
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task Deliver_QuietHours_WarningHeldUntilTheyEnd_CriticalAtOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync();
        await AddWebhookChannelAsync(host, "ops", receiver, c => c with { QuietHours = new QuietHours(new TimeOnly(11, 0), new TimeOnly(13, 0), "UTC") });

        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([
            Fire("/quiet", ["ops"], Severity.Warning, T0),
            Fire("/loud", ["ops"], Severity.Critical, T0)]);

        var critical = Assert.Single(await AnsweredAsync(receiver, 1));
        Assert.Equal("critical", critical.Json.GetProperty("severity").GetString());
        var warning = Assert.Single(await JobsAsync(host), j => j.State == JobState.Queued);
        Assert.Equal(T0.AddHours(1), warning.RunAt);

        Advance(TimeSpan.FromHours(1));

        var requests = await AnsweredAsync(receiver, 2);
        Assert.Equal("warning", requests[1].Json.GetProperty("severity").GetString());
        Assert.Equal(JobState.Succeeded, (await JobReachesAsync(host, warning.Id, JobState.Succeeded)).State);
    }

    [Fact]
    public async Task Deliver_DigestChannel_WarningsOfOneWindowInOneMessage()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync();
        await AddWebhookChannelAsync(host, "ops", receiver, c => c with { DigestMinutes = 5 });

        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([
            Fire("/a", ["ops"], Severity.Warning, T0),
            Fire("/b", ["ops"], Severity.Warning, T0),
            Fire("/c", ["ops"], Severity.Critical, T0)]);

        Assert.Equal("critical", Assert.Single(await AnsweredAsync(receiver, 1)).Json.GetProperty("severity").GetString());
        var digest = Assert.Single(await JobsAsync(host, DeliveryJobs.Digest));
        Assert.Equal($"digest:ops:{T0.ToUnixTimeMilliseconds()}", digest.IdempotencyKey);
        Assert.Equal(T0.AddMinutes(5), digest.RunAt);

        Advance(TimeSpan.FromMinutes(5));

        await JobReachesAsync(host, digest.Id, JobState.Succeeded);
        var requests = await AnsweredAsync(receiver, 2);
        Assert.Equal(2, requests.Count);
        var body = requests[1].Json;
        Assert.Equal("digest", body.GetProperty("type").GetString());
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        Assert.Equal(digest.IdempotencyKey, requests[1].Header("webhook-id"));
    }
}

public sealed class SqliteNotificationDeliveryContractTests() : NotificationDeliveryContractTests(StorageProvider.Sqlite);

public sealed class PostgresNotificationDeliveryContractTests() : NotificationDeliveryContractTests(StorageProvider.Postgres);
