using Microsoft.Extensions.DependencyInjection;
using Vigil.Core.Alerts;
using Vigil.Delivery.Pipeline;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Alerts;

namespace Vigil.Delivery.Tests.Pipeline;

/// <summary>The outbox: an alert step and its delivery jobs exist together or not at all.</summary>
public abstract class DeliveryOutboxContractTests(StorageProvider provider) : DeliveryTestBase(provider)
{
    [Fact]
    public async Task SaveAsync_TransactionDoesNotCommit_NeitherIntentNorJobs()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync(start: false);
        await AddWebhookChannelAsync(host, "ops", receiver);
        var outbox = new FailAfterEnqueue(host.Services.GetRequiredService<INotificationOutbox>());
        var alerts = new AlertRepository(host.Services.GetRequiredService<Database>(), outbox);
        var fired = Fire("/search", ["ops"], Severity.Critical, T0);

        await Assert.ThrowsAsync<InvalidOperationException>(() => alerts.SaveAsync([fired]));

        Assert.Equal(1, outbox.Enqueued); // the real outbox did write its jobs, in the transaction
        Assert.Null(await alerts.IntentAsync(fired.Intents[0].IdempotencyKey));
        Assert.Null(await alerts.GetAsync(fired.Alert!.Id));
        Assert.Empty(await JobsAsync(host));
    }

    [Fact]
    public async Task SaveAsync_Committed_OneJobPerChannelKeyedByIntentAndChannel()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync(start: false);
        await AddWebhookChannelAsync(host, "ops", receiver);
        await AddWebhookChannelAsync(host, "team", receiver);
        var alerts = host.Services.GetRequiredService<AlertRepository>();
        var fired = Fire("/search", ["ops", "team", "ops"], Severity.Critical, T0);
        var intentKey = fired.Intents[0].IdempotencyKey;

        await alerts.SaveAsync([fired]);
        await alerts.SaveAsync([fired]); // the same step again (a pass retried): no second job

        Assert.NotNull(await alerts.IntentAsync(intentKey));
        var jobs = await JobsAsync(host);
        Assert.All(jobs, j => Assert.Equal(DeliveryJobs.Notification, j.Type));
        Assert.Equal([$"{intentKey}:ops", $"{intentKey}:team"], jobs.Select(j => j.IdempotencyKey!).Order(StringComparer.Ordinal));
        Assert.Equal(["ops", "team"], jobs.Select(j => j.ConcurrencyKey!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SaveAsync_AfterARolledBackAttempt_TheSameStepCommitsItsJobs()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync(start: false);
        await AddWebhookChannelAsync(host, "ops", receiver);
        var database = host.Services.GetRequiredService<Database>();
        var fired = Fire("/search", ["ops"], Severity.Critical, T0);
        await Assert.ThrowsAsync<InvalidOperationException>(() => new AlertRepository(database, new FailAfterEnqueue(host.Services.GetRequiredService<INotificationOutbox>())).SaveAsync([fired]));

        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([fired]);

        // The rolled-back job took its idempotency key with it: the retried step gets its job.
        var job = Assert.Single(await JobsAsync(host));
        Assert.Equal($"{fired.Intents[0].IdempotencyKey}:ops", job.IdempotencyKey);
    }

    /// <summary>Enqueues through the real outbox, then fails: the step's transaction never commits.</summary>
    private sealed class FailAfterEnqueue(INotificationOutbox inner) : INotificationOutbox
    {
        public int Enqueued { get; private set; }

        public async Task EnqueueAsync(UnitOfWork work, IReadOnlyList<NotificationIntent> intents, CancellationToken cancellationToken)
        {
            await inner.EnqueueAsync(work, intents, cancellationToken);
            Enqueued++;
            throw new InvalidOperationException("The process died before the commit.");
        }
    }
}

public sealed class SqliteDeliveryOutboxContractTests() : DeliveryOutboxContractTests(StorageProvider.Sqlite);

public sealed class PostgresDeliveryOutboxContractTests() : DeliveryOutboxContractTests(StorageProvider.Postgres);
