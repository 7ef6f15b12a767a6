using Vigil.Notifications.Channels;
using Vigil.Notifications.Resilience;
using Vigil.Storage.Delivery;

namespace Vigil.Dashboard.Delivery;

/// <summary>One delivery (a delivery job) as the pages show it.</summary>
/// <param name="Id">The job id (what Replay takes).</param>
/// <param name="Kind">notification, digest or relay.</param>
/// <param name="ChannelId">The channel it goes to.</param>
/// <param name="AlertId">The alert it notifies of, for a notification.</param>
/// <param name="Status">pending, failed (will retry), succeeded or dead, as the API names them.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="MaxAttempts">Attempts allowed.</param>
/// <param name="CreatedAt">Enqueued.</param>
/// <param name="FinishedAt">Succeeded or dead-lettered.</param>
/// <param name="NextAttemptAt">For a pending or failed one: not before then.</param>
/// <param name="LastError">What went wrong last (secrets already redacted by the sender).</param>
public sealed record DeliveryRow(
    long Id, string Kind, string? ChannelId, string? AlertId, string Status, int Attempts, int MaxAttempts,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, DateTimeOffset? NextAttemptAt, string? LastError)
{
    /// <summary>Gets when it last changed: finished, else enqueued.</summary>
    public DateTimeOffset At => FinishedAt ?? CreatedAt;
}

/// <summary>A channel in the channel list.</summary>
/// <param name="Channel">The channel with its secrets masked.</param>
/// <param name="DisabledReason">Why Vigil disabled it, if it did.</param>
/// <param name="Breaker">Its destination's circuit breaker, null before the first attempt (and for in-app).</param>
/// <param name="Last">Its newest delivery, if any is still kept.</param>
public sealed record ChannelRow(ChannelDefinition Channel, string? DisabledReason, DestinationHealth? Breaker, DeliveryRow? Last);

/// <summary>A relay integration's deliveries among the newest kept.</summary>
/// <param name="Succeeded">Delivered.</param>
/// <param name="Dead">Given up.</param>
/// <param name="Pending">Waiting, running or retrying.</param>
/// <param name="AverageTimeToDeliver">Mean time from the relay call to delivery of those delivered.</param>
public sealed record IntegrationStats(int Succeeded, int Dead, int Pending, TimeSpan? AverageTimeToDeliver);

/// <summary>A relay endpoint with the channels it fans out to.</summary>
/// <param name="Endpoint">The endpoint (its secret is never shown, only whether it has one).</param>
/// <param name="Integrations">Its channels by id (masked); null for an id no channel has.</param>
public sealed record RelayEndpointView(StoredRelayEndpoint Endpoint, IReadOnlyList<KeyValuePair<string, ChannelDefinition?>> Integrations);
