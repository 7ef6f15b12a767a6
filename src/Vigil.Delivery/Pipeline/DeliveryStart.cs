using System.Diagnostics.CodeAnalysis;
using Vigil.Jobs.Processing;
using Vigil.Notifications.Channels;

namespace Vigil.Delivery.Pipeline;

/// <summary>
/// How a delivery job opens (<see cref="DeliveryOutcomes.StartAsync{TJob}"/>): its payload and its
/// channel, ready to send, or the outcome that ends the job without an attempt. The payload is
/// there whenever it could be read, even when the channel stops the job.
/// </summary>
/// <typeparam name="TJob">The job's payload type.</typeparam>
internal sealed class DeliveryStart<TJob>
    where TJob : class, IChannelJob
{
    private DeliveryStart(TJob? job, ChannelDefinition? channel, JobOutcome? stop)
    {
        Job = job;
        Channel = channel;
        Stop = stop;
    }

    /// <summary>The payload; null when it could not be read.</summary>
    public TJob? Job { get; }

    /// <summary>The channel, secrets resolved; null when the job stops.</summary>
    public ChannelDefinition? Channel { get; }

    /// <summary>Why the job ends without an attempt; null when the channel is ready.</summary>
    public JobOutcome? Stop { get; }

    /// <summary>Whether the payload could be read (the job may still stop at its channel).</summary>
    [MemberNotNullWhen(true, nameof(Job))]
    [MemberNotNullWhen(false, nameof(Stop))]
    public bool HasJob => Job is not null;

    /// <summary>Whether the job is ready to send to its channel.</summary>
    [MemberNotNullWhen(true, nameof(Job), nameof(Channel))]
    [MemberNotNullWhen(false, nameof(Stop))]
    public bool IsReady => Channel is not null;

    /// <summary>A payload that could not be read: the job ends with <paramref name="outcome"/>.</summary>
    public static DeliveryStart<TJob> Unreadable(JobOutcome outcome) => new(null, null, outcome);

    /// <summary>A job whose channel ends it with <paramref name="outcome"/>.</summary>
    public static DeliveryStart<TJob> Stopped(TJob job, JobOutcome outcome) => new(job, null, outcome);

    /// <summary>A job ready to send to <paramref name="channel"/>.</summary>
    public static DeliveryStart<TJob> Ready(TJob job, ChannelDefinition channel) => new(job, channel, null);
}
