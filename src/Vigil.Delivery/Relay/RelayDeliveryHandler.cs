using System.Text;
using Vigil.Delivery.Pipeline;
using Vigil.Jobs.Processing;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Relay;

/// <summary>Forwards one relayed webhook body to one integration, and reports how it went.</summary>
internal sealed class RelayDeliveryHandler(DeliveryOutcomes outcomes, RelayRepository relays, RelayWaiters waiters, RelayReportListener reports, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Relay;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var start = await outcomes.StartAsync<RelayJob>(context, "a relay delivery", cancellationToken).ConfigureAwait(false);
        if (!start.HasJob)
        {
            return start.Stop;
        }

        var job = start.Job;
        var outcome = start.IsReady ? await DeliverAsync(job, start.Channel, context, cancellationToken).ConfigureAwait(false) : start.Stop;
        var delivered = outcome.Kind == JobOutcomeKind.Succeeded;
        var gaveUp = outcome.Kind == JobOutcomeKind.Fail || (outcome.Kind == JobOutcomeKind.Retry && context.IsLastAttempt);
        if (delivered || gaveUp)
        {
            await relays.CountOutcomeAsync(job.RequestId, delivered, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Kind != JobOutcomeKind.Postpone)
        {
            if (!waiters.Report(job.RequestId, job.ChannelId, delivered))
            {
                // The request may wait on another process.
                await reports.PublishAsync(job.RequestId, job.ChannelId, delivered, cancellationToken).ConfigureAwait(false);
            }
        }

        return outcome;
    }

    private async Task<JobOutcome> DeliverAsync(RelayJob job, ChannelDefinition channel, JobContext context, CancellationToken cancellationToken)
    {
        if (await relays.BodyAsync(job.RequestId, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            outcomes.CountSkipped(channel.Type);
            return JobOutcome.Fail(await relays.HasRequestAsync(job.RequestId, cancellationToken).ConfigureAwait(false)
                ? $"Relayed request '{job.RequestId}' no longer has its body (dropped once its deliveries had finished, to stay within Vigil:Relay:StoredBodyBudgetBytes)."
                : $"Relayed request '{job.RequestId}' no longer exists (its log was cleaned up).");
        }

        var request = DeliveryRequest.ForRelay(channel, context.IdempotencyKey ?? $"relay:{job.RequestId}:{job.ChannelId}", new RelayPayload(job.Slug, Encoding.UTF8.GetBytes(body)), context.Attempt);
        return await outcomes.MapAsync(channel, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }
}
