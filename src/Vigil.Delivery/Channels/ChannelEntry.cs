using Vigil.Notifications.Channels;

namespace Vigil.Delivery.Channels;

/// <summary>A channel with what the server keeps beside its definition.</summary>
/// <param name="Definition">The channel, secrets in clear (never answer an API call with it unmasked).</param>
/// <param name="DisabledReason">Why Vigil disabled it, or null.</param>
/// <param name="CreatedAtMs">Created, Unix ms.</param>
/// <param name="UpdatedAtMs">Last changed, Unix ms.</param>
/// <param name="Version">Optimistic concurrency version.</param>
public sealed record ChannelEntry(ChannelDefinition Definition, string? DisabledReason, long CreatedAtMs, long UpdatedAtMs, int Version);
