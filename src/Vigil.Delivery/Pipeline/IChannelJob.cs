namespace Vigil.Delivery.Pipeline;

/// <summary>The payload of a delivery job that sends to one channel.</summary>
internal interface IChannelJob
{
    /// <summary>The channel the job sends to.</summary>
    string ChannelId { get; }
}
