using Vigil.Delivery.Channels;
using Vigil.Jobs.Scheduling;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Resilience;

namespace Vigil.Delivery.Maintenance;

/// <summary>
/// Holds the dead deliveries of channels that would refuse them now, so the hourly dead-letter retry
/// does not spend their last tries: a channel whose destination's circuit breaker is open, a disabled
/// channel, a channel whose secret cannot be read. Delivery jobs are keyed by channel id.
/// </summary>
internal sealed class ChannelDeadLetterHold(ChannelStore channels, NotificationSender sender) : IDeadLetterHold
{
    public async ValueTask<IReadOnlyCollection<string>> HeldKeysAsync(CancellationToken cancellationToken)
    {
        var held = new List<string>();
        foreach (var (id, entry) in await channels.AllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!entry.Definition.Enabled
                || channels.UnresolvedSecret(entry.Definition) is not null
                || sender.GetDestinationHealth(channels.ForSending(entry.Definition)) is { State: BreakerState.Open })
            {
                held.Add(id);
            }
        }

        return held;
    }
}
