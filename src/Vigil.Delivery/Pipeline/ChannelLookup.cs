using System.Diagnostics.CodeAnalysis;
using Vigil.Jobs.Processing;
using Vigil.Notifications.Channels;

namespace Vigil.Delivery.Pipeline;

/// <summary>The channel a delivery job sends to, ready to send, or the outcome that ends the job.</summary>
internal sealed class ChannelLookup
{
    private ChannelLookup(ChannelDefinition? channel, JobOutcome? stop)
    {
        Channel = channel;
        Stop = stop;
    }

    /// <summary>The channel, secrets resolved; null when the job stops.</summary>
    public ChannelDefinition? Channel { get; }

    /// <summary>Why the job ends without an attempt; null when the channel is ready.</summary>
    public JobOutcome? Stop { get; }

    /// <summary>Whether the channel is ready to send to.</summary>
    [MemberNotNullWhen(true, nameof(Channel))]
    [MemberNotNullWhen(false, nameof(Stop))]
    public bool IsReady => Channel is not null;

    /// <summary>A channel ready to send to.</summary>
    public static ChannelLookup Ready(ChannelDefinition channel) => new(channel, null);

    /// <summary>No attempt: the job ends with <paramref name="outcome"/>.</summary>
    public static ChannelLookup Stopped(JobOutcome outcome) => new(null, outcome);
}
