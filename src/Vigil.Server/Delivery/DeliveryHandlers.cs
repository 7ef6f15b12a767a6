using System.Text;
using Vigil.Core.Metrics;
using Vigil.Jobs;
using Vigil.Notifications;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery;

/// <summary>
/// What the delivery handlers share: finding the channel, turning a <see cref="DeliveryResult"/>
/// into a job outcome (a retry honouring Retry-After, a dead letter, a channel disabled on 410
/// Gone, an open breaker postponed without using up an attempt), and counting outcomes.
/// </summary>
internal sealed partial class DeliveryOutcomes(ChannelStore channels, ChannelRepository repository, MetricStore store, TimeProvider time, ILogger<DeliveryOutcomes> logger)
{
    /// <summary>The counter series of delivery attempts, labelled <c>type</c> (channel type) and <c>outcome</c>.</summary>
    public const string Metric = "vigil_deliveries";

    // An open breaker that says nothing about when to come back is asked again after this.
    private static readonly TimeSpan DefaultShortCircuitDelay = TimeSpan.FromSeconds(60);

    /// <summary>The channel of a job, ready to send, or the outcome that ends the job.</summary>
    public async Task<(ChannelDefinition? Channel, JobOutcome? Stop)> ChannelAsync(string channelId, CancellationToken cancellationToken)
    {
        if (await channels.GetAsync(channelId, cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return (null, JobOutcome.Fail($"Channel '{channelId}' does not exist."));
        }

        if (!entry.Definition.Enabled)
        {
            return (null, JobOutcome.Fail($"Channel '{entry.Definition.Name}' is disabled{(entry.DisabledReason is { } why ? ": " + why : "")}; replay the delivery once it is enabled again."));
        }

        if (channels.UnresolvedSecret(entry.Definition) is { } missing)
        {
            return (null, JobOutcome.Fail($"Channel '{entry.Definition.Name}': {missing}"));
        }

        return (channels.ForSending(entry.Definition), null);
    }

    /// <summary>The job outcome of a delivery attempt.</summary>
    public async Task<JobOutcome> MapAsync(ChannelDefinition channel, DeliveryResult result, CancellationToken cancellationToken)
    {
        Count(channel.Type, result.Status);
        switch (result.Status)
        {
            case DeliveryStatus.Delivered:
                return JobOutcome.Succeeded;
            case DeliveryStatus.RetryableFailure:
                return JobOutcome.Retry(result.Error ?? "delivery failed", result.RetryAfter);
            case DeliveryStatus.ShortCircuited:
                return JobOutcome.Postpone(result.RetryAfter ?? DefaultShortCircuitDelay, result.Error ?? "the destination's circuit breaker is open");
            case DeliveryStatus.Gone:
                var reason = $"the destination answered 410 Gone ({result.Error})";
                await repository.DisableAsync(channel.Id, reason, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
                channels.Invalidate();
                LogChannelDisabled(channel.Name, channel.Id);
                return JobOutcome.Fail($"Channel disabled: {reason}.");
            default:
                return JobOutcome.Fail(result.Error ?? "delivery failed permanently");
        }
    }

    /// <summary>Counts an outcome that ended before an attempt (no channel, nothing to send).</summary>
    public void CountSkipped(ChannelType? type) => Count(type, null);

    private void Count(ChannelType? type, DeliveryStatus? status)
    {
        var labels = LabelSet.From([
            new KeyValuePair<string, string>("type", type?.ToWire() ?? "unknown"),
            new KeyValuePair<string, string>("outcome", status is { } s ? DeliveryNames.Of(s) : "not_attempted")]);
        if (store.GetOrCreate(Metric, labels, MetricType.Counter) is { } series)
        {
            store.Record(series, 1);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Channel {Name} ({Id}) was disabled: its destination answered 410 Gone")]
    private partial void LogChannelDisabled(string name, string id);
}

/// <summary>Delivers one notification intent to one channel.</summary>
internal sealed class NotificationDeliveryHandler(DeliveryOutcomes outcomes, NotificationBuilder builder, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Notification;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        if (DeliveryJobs.Deserialize<NotificationJob>(context.Payload) is not { } job)
        {
            return JobOutcome.Fail("The job's payload is not a notification delivery.");
        }

        var (channel, stop) = await outcomes.ChannelAsync(job.ChannelId, cancellationToken).ConfigureAwait(false);
        if (stop is not null)
        {
            outcomes.CountSkipped(null);
            return stop;
        }

        if (await builder.BuildAsync(job.IntentKey, cancellationToken).ConfigureAwait(false) is not { } notification)
        {
            outcomes.CountSkipped(channel!.Type);
            return JobOutcome.Fail($"Notification '{job.IntentKey}' or its alert no longer exists.");
        }

        // The job's idempotency key is the webhook-id: the same on every attempt.
        var request = DeliveryRequest.ForAlert(channel!, context.IdempotencyKey ?? job.IntentKey + ":" + job.ChannelId, notification, context.Attempt);
        return await outcomes.MapAsync(channel!, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Sends a channel's digest: every warning and info notification of one window, as one message.</summary>
internal sealed class DigestDeliveryHandler(DeliveryOutcomes outcomes, NotificationBuilder builder, DigestRepository digests, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Digest;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        if (DeliveryJobs.Deserialize<DigestJob>(context.Payload) is not { } job)
        {
            return JobOutcome.Fail("The job's payload is not a digest.");
        }

        var (channel, stop) = await outcomes.ChannelAsync(job.ChannelId, cancellationToken).ConfigureAwait(false);
        if (stop is not null)
        {
            outcomes.CountSkipped(null);
            return stop;
        }

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
            outcomes.CountSkipped(channel!.Type);
            return JobOutcome.Succeeded; // nothing left to tell
        }

        var request = DeliveryRequest.ForDigest(channel!, context.IdempotencyKey ?? $"digest:{job.ChannelId}:{job.WindowStartMs}", notifications, context.Attempt);
        return await outcomes.MapAsync(channel!, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Forwards one relayed webhook body to one integration, and reports how it went.</summary>
internal sealed class RelayDeliveryHandler(DeliveryOutcomes outcomes, RelayRepository relays, RelayWaiters waiters, NotificationSender sender) : IJobHandler
{
    public string Type => DeliveryJobs.Relay;

    public async ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        if (DeliveryJobs.Deserialize<RelayJob>(context.Payload) is not { } job)
        {
            return JobOutcome.Fail("The job's payload is not a relay delivery.");
        }

        var (channel, stop) = await outcomes.ChannelAsync(job.ChannelId, cancellationToken).ConfigureAwait(false);
        JobOutcome outcome;
        if (stop is not null)
        {
            outcomes.CountSkipped(null);
            outcome = stop;
        }
        else if (await relays.BodyAsync(job.RequestId, cancellationToken).ConfigureAwait(false) is not { } body)
        {
            outcomes.CountSkipped(channel!.Type);
            outcome = JobOutcome.Fail($"Relayed request '{job.RequestId}' no longer exists (its log was cleaned up).");
        }
        else
        {
            var request = DeliveryRequest.ForRelay(channel!, context.IdempotencyKey ?? $"relay:{job.RequestId}:{job.ChannelId}", new RelayPayload(job.Slug, Encoding.UTF8.GetBytes(body)), context.Attempt);
            outcome = await outcomes.MapAsync(channel!, await sender.SendAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        var delivered = outcome.Kind == JobOutcomeKind.Succeeded;
        var gaveUp = outcome.Kind == JobOutcomeKind.Fail || (outcome.Kind == JobOutcomeKind.Retry && context.IsLastAttempt);
        if (delivered || gaveUp)
        {
            await relays.CountOutcomeAsync(job.RequestId, delivered, cancellationToken).ConfigureAwait(false);
        }

        if (outcome.Kind != JobOutcomeKind.Postpone)
        {
            waiters.Report(job.RequestId, job.ChannelId, delivered);
        }

        return outcome;
    }
}
