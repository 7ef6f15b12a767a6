using Vigil.Notifications.Channels;
namespace Vigil.Notifications.Delivery;

/// <summary>
/// One delivery attempt of one notification to one channel. Exactly one of <see cref="Notification"/>,
/// <see cref="Digest"/> and <see cref="Relay"/> is set; build it with <see cref="ForAlert"/>,
/// <see cref="ForDigest"/> or <see cref="ForRelay"/>.
/// </summary>
public sealed record DeliveryRequest
{
    private DeliveryRequest(ChannelDefinition channel, string idempotencyKey, int attempt)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        Channel = channel;
        IdempotencyKey = idempotencyKey;
        Attempt = attempt;
    }

    /// <summary>Gets the channel to deliver to.</summary>
    public ChannelDefinition Channel { get; }

    /// <summary>
    /// Gets the key stable across every attempt of this delivery (alert, transition, channel): sent as
    /// <c>webhook-id</c> and used for the email's <c>Message-Id</c>, so receivers can drop duplicates.
    /// </summary>
    public string IdempotencyKey { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Gets the alert notification, when this is one.</summary>
    public AlertNotification? Notification { get; private init; }

    /// <summary>Gets the notifications of a digest, when this is one.</summary>
    public IReadOnlyList<AlertNotification>? Digest { get; private init; }

    /// <summary>Gets the relayed payload, when this is one.</summary>
    public RelayPayload? Relay { get; private init; }

    /// <summary>A delivery of one alert notification.</summary>
    /// <param name="channel">Where to.</param>
    /// <param name="idempotencyKey">Stable across attempts.</param>
    /// <param name="notification">What.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <returns>The request.</returns>
    public static DeliveryRequest ForAlert(ChannelDefinition channel, string idempotencyKey, AlertNotification notification, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return new DeliveryRequest(channel, idempotencyKey, attempt) { Notification = notification };
    }

    /// <summary>A delivery of a digest: several notifications in one message.</summary>
    /// <param name="channel">Where to.</param>
    /// <param name="idempotencyKey">Stable across attempts.</param>
    /// <param name="notifications">What (at least one).</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <returns>The request.</returns>
    public static DeliveryRequest ForDigest(ChannelDefinition channel, string idempotencyKey, IReadOnlyList<AlertNotification> notifications, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        ArgumentOutOfRangeException.ThrowIfZero(notifications.Count);
        return new DeliveryRequest(channel, idempotencyKey, attempt) { Digest = notifications };
    }

    /// <summary>A delivery of a payload received by the webhook relay.</summary>
    /// <param name="channel">Where to.</param>
    /// <param name="idempotencyKey">Stable across attempts.</param>
    /// <param name="relay">What.</param>
    /// <param name="attempt">The attempt number, from 1.</param>
    /// <returns>The request.</returns>
    public static DeliveryRequest ForRelay(ChannelDefinition channel, string idempotencyKey, RelayPayload relay, int attempt = 1)
    {
        ArgumentNullException.ThrowIfNull(relay);
        return new DeliveryRequest(channel, idempotencyKey, attempt) { Relay = relay };
    }
}
