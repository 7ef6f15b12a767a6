using Vigil.Delivery.Pipeline;

namespace Vigil.Delivery.Relay;

/// <summary>The payload of a <see cref="DeliveryJobs.Relay"/> job.</summary>
/// <param name="RequestId">The relayed request (its body is stored with it).</param>
/// <param name="ChannelId">The integration.</param>
/// <param name="Slug">The relay endpoint's slug (for the chat and email renderings).</param>
internal sealed record RelayJob(string RequestId, string ChannelId, string Slug) : IChannelJob;
