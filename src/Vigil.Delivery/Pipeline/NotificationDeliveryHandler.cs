using Vigil.Jobs.Processing;
using Vigil.Notifications.Delivery;

namespace Vigil.Delivery.Pipeline;

/// <summary>Delivers one notification intent to one channel.</summary>
internal sealed class NotificationDeliveryHandler(DeliveryOutcomes outcomes, NotificationBuilder builder, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Notification;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var start = await outcomes.StartAsync<NotificationJob>(context, "a notification delivery", cancellationToken).ConfigureAwait(false);
        if (!start.IsReady)
        {
            return start.Stop;
        }

        var (job, channel) = (start.Job, start.Channel);
        if (await builder.BuildAsync(job.IntentKey, cancellationToken).ConfigureAwait(false) is not { } notification)
        {
            outcomes.CountSkipped(channel.Type);
            return JobOutcome.Fail($"Notification '{job.IntentKey}' or its alert no longer exists.");
        }

        // The job's idempotency key is the webhook-id: the same on every attempt.
        var request = DeliveryRequest.ForAlert(channel, context.IdempotencyKey ?? job.IntentKey + ":" + job.ChannelId, notification, context.Attempt);
        return await outcomes.MapAsync(channel, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }
}
