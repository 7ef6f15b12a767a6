using Microsoft.Extensions.DependencyInjection;
using Vigil.Core.Alerts;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Scheduling;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Alerts;

namespace Vigil.Delivery.Tests.Maintenance;

/// <summary>
/// The hourly dead-letter retry leaves alone the dead deliveries of channels that would refuse them
/// now: an open circuit breaker, a disabled channel. Once per provider.
/// </summary>
public abstract class ChannelDeadLetterHoldContractTests(StorageProvider provider) : DeliveryTestBase(provider)
{
    [Fact]
    public async Task HeldKeys_BreakerOpenOrChannelDisabled_HeldOthersNot()
    {
        await using var failing = await WebhookReceiver.StartAsync();
        await using var healthy = await WebhookReceiver.StartAsync();
        failing.FailNext(2, 503);
        var host = await CreateHostAsync(new Dictionary<string, string?> { ["Vigil:Delivery:BreakerFailureThreshold"] = "2" });
        await AddWebhookChannelAsync(host, "ops", failing);
        await AddWebhookChannelAsync(host, "team", healthy);
        await AddWebhookChannelAsync(host, "off", healthy, c => c with { Enabled = false });
        var hold = Assert.Single(host.Services.GetServices<IDeadLetterHold>());
        Assert.Equal(["off"], await hold.HeldKeysAsync(default));

        // Two failures in a row open the breaker of ops' destination.
        await host.Services.GetRequiredService<AlertRepository>().SaveAsync([Fire("/a", ["ops"], Severity.Critical, T0), Fire("/b", ["ops"], Severity.Critical, T0)]);
        foreach (var job in await JobsAsync(host))
        {
            await JobReachesAsync(host, job.Id, JobState.Retrying, attempts: 1);
        }

        Assert.Equal(["off", "ops"], (await hold.HeldKeysAsync(default)).Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteChannelDeadLetterHoldContractTests() : ChannelDeadLetterHoldContractTests(StorageProvider.Sqlite);

public sealed class PostgresChannelDeadLetterHoldContractTests() : ChannelDeadLetterHoldContractTests(StorageProvider.Postgres);
