namespace Vigil.Delivery.Pipeline;

/// <summary>The payload of a <see cref="DeliveryJobs.Digest"/> job.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="WindowStartMs">The start of the digest window, Unix ms.</param>
internal sealed record DigestJob(string ChannelId, long WindowStartMs) : IChannelJob;
