using Vigil.Jobs.Processing;
using Vigil.Notifications.Delivery;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Pipeline;

/// <summary>Sends a channel's digest: every warning and info notification of one window, as one message.</summary>
internal sealed class DigestDeliveryHandler(DeliveryOutcomes outcomes, NotificationBuilder builder, DigestRepository digests, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Digest;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var start = await outcomes.StartAsync<DigestJob>(context, "a digest", cancellationToken).ConfigureAwait(false);
        if (!start.IsReady)
        {
            return start.Stop;
        }

        var (job, channel) = (start.Job, start.Channel);
        var notifications = new List<AlertNotification>();
        foreach (var key in await digests.ItemsAsync(job.ChannelId, job.WindowStartMs, cancellationToken).ConfigureAwait(false))
        {
            if (await builder.BuildAsync(key, cancellationToken).ConfigureAwait(false) is { } notification)
            {
                notifications.Add(notification);
            }
        }

        if (notifications.Count == 0)
        {
            outcomes.CountSkipped(channel.Type);
            return JobOutcome.Succeeded; // nothing left to tell
        }

        var request = DeliveryRequest.ForDigest(channel, context.IdempotencyKey ?? $"digest:{job.ChannelId}:{job.WindowStartMs}", notifications, context.Attempt);
        return await outcomes.MapAsync(channel, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }
}
