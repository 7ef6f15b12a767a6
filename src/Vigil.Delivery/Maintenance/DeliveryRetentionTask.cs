using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Scheduling;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Maintenance;

/// <summary>
/// A <see cref="BuiltInSchedules.Cleanup"/> task: forgets relayed requests and digest items older than
/// <see cref="RelayOptions.RequestRetention"/>. (The delivery jobs themselves go with the finished jobs.)
/// </summary>
internal sealed class DeliveryRetentionTask(RelayRepository relays, DigestRepository digests, IOptions<RelayOptions> relayOptions, TimeProvider time) : IScheduledTask
{
    public string Schedule => BuiltInSchedules.Cleanup;

    public string Name => "delivery.relay-and-digest-retention";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var retention = relayOptions.Value.RequestRetention;
        var beforeMs = (time.GetUtcNow() - retention).ToUnixTimeMilliseconds();
        var requests = await relays.DeleteRequestsBeforeAsync(beforeMs, cancellationToken).ConfigureAwait(false);
        var items = await digests.DeleteBeforeAsync(beforeMs, cancellationToken).ConfigureAwait(false);
        return requests + items == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"removed {requests} relayed requests and {items} digest items older than {retention.TotalDays:0.#} days");
    }
}
