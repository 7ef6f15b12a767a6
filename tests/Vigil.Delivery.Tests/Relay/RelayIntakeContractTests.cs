using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Delivery.Pipeline;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Tests.Relay;

/// <summary>The relay intake: a body is kept with one delivery job per integration, or not at all.</summary>
public abstract class RelayIntakeContractTests(StorageProvider provider) : DeliveryTestBase(provider)
{
    private const string Body = """{"event":"order.created","id":42,"items":[{"sku":"A-1","qty":2}]}""";

    [Fact]
    public async Task AcceptAsync_TwoIntegrations_BodyAndOneJobEach_AnswersWithTheFirstAttempts()
    {
        await using var good = await WebhookReceiver.StartAsync();
        await using var bad = await WebhookReceiver.StartAsync();
        bad.FailNext(1, 503);
        var host = await CreateHostAsync();
        await AddWebhookChannelAsync(host, "good", good);
        await AddWebhookChannelAsync(host, "bad", bad);
        var endpoint = new StoredRelayEndpoint("ep1", "orders", "Orders", ["good", "bad", "good"], null, 0, 0);

        var outcome = await host.Services.GetRequiredService<RelayIntake>().AcceptAsync(endpoint, Body);

        Assert.NotNull(outcome);
        Assert.Equal((2, 1, "partial"), (outcome.Total, outcome.Successful, outcome.Status));
        Assert.Equal(Body, Assert.Single(good.Requests).Text); // the exact bytes
        Assert.Equal(503, Assert.Single(bad.Requests).Status);
        var relays = host.Services.GetRequiredService<RelayRepository>();
        Assert.Equal(Body, await relays.BodyAsync(outcome.RequestId));
        var logged = Assert.Single(await relays.RequestsAsync("ep1", 10));
        Assert.Equal((outcome.RequestId, "partial", 2, 1), (logged.Id, logged.Status, logged.Total, logged.Successful));
        var jobs = await JobsAsync(host, DeliveryJobs.Relay);
        Assert.Equal([$"relay:{outcome.RequestId}:bad", $"relay:{outcome.RequestId}:good"], jobs.Select(j => j.IdempotencyKey!).Order(StringComparer.Ordinal));
        await JobReachesAsync(host, jobs.Single(j => j.ConcurrencyKey == "bad").Id, JobState.Retrying, attempts: 1); // queued for its retry
    }

    [Fact]
    public async Task AcceptAsync_JobsCannotBeStored_BodyNotKeptEither()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync(start: false);
        await AddWebhookChannelAsync(host, "good", receiver);
        var database = host.Services.GetRequiredService<Database>();
        await ExecuteAsync(database, "ALTER TABLE jobs RENAME TO jobs_unavailable");

        await Assert.ThrowsAnyAsync<DbException>(() => host.Services.GetRequiredService<RelayIntake>().AcceptAsync(new StoredRelayEndpoint("ep1", "orders", "Orders", ["good"], null, 0, 0), Body));

        Assert.Empty(await host.Services.GetRequiredService<RelayRepository>().RequestsAsync(null, 10));
        await ExecuteAsync(database, "ALTER TABLE jobs_unavailable RENAME TO jobs");
        Assert.Empty(await JobsAsync(host));
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task AcceptAsync_PendingBodiesFillTheBudget_RefusedWithoutBodyOrJobs_EarlierDeliveriesIntact()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host = await CreateHostAsync(
            new Dictionary<string, string?> { ["Vigil:Relay:MaxBodyBytes"] = "100", ["Vigil:Relay:StoredBodyBudgetBytes"] = "100", ["Vigil:Relay:WaitTimeout"] = "00:00:00" },
            start: false); // no processor: the first delivery stays pending, so its body must stay
        await AddWebhookChannelAsync(host, "good", receiver);
        var endpoint = new StoredRelayEndpoint("ep1", "orders", "Orders", ["good"], null, 0, 0);
        var intake = host.Services.GetRequiredService<RelayIntake>();
        var first = await intake.AcceptAsync(endpoint, Body);
        Assert.NotNull(first);

        var second = await intake.AcceptAsync(endpoint, Body);

        Assert.Null(second);
        var relays = host.Services.GetRequiredService<RelayRepository>();
        Assert.Equal(first.RequestId, Assert.Single(await relays.RequestsAsync(null, 10)).Id);
        Assert.Equal(Body, await relays.BodyAsync(first.RequestId));
        Assert.Equal($"relay:{first.RequestId}:good", Assert.Single(await JobsAsync(host, DeliveryJobs.Relay)).IdempotencyKey);
        await host.StartAsync();
        Assert.Equal(Body, Assert.Single(await AnsweredAsync(receiver, 1)).Text);
    }

    private static async Task ExecuteAsync(Database database, string sql)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteRelayIntakeContractTests() : RelayIntakeContractTests(StorageProvider.Sqlite);

public sealed class PostgresRelayIntakeContractTests() : RelayIntakeContractTests(StorageProvider.Postgres);
