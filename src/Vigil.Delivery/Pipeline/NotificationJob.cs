namespace Vigil.Delivery.Pipeline;

/// <summary>The payload of a <see cref="DeliveryJobs.Notification"/> job.</summary>
/// <param name="IntentKey">The intent's idempotency key.</param>
/// <param name="ChannelId">The channel.</param>
internal sealed record NotificationJob(string IntentKey, string ChannelId) : IChannelJob;
