using Vigil.Core.Diagnostics;
using Vigil.Core.Metrics;
using Vigil.Delivery.Channels;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Pipeline;

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

    /// <summary>
    /// The opening every delivery handler shares: the job's payload read as <typeparamref name="TJob"/>
    /// and its channel looked up. A payload that cannot be read fails the job (<paramref name="payloadName"/>
    /// says what it should have been, as in "a digest"); a channel that cannot be sent to ends it,
    /// counted as not attempted.
    /// </summary>
    public async Task<DeliveryStart<TJob>> StartAsync<TJob>(JobContext context, string payloadName, CancellationToken cancellationToken)
        where TJob : class, IChannelJob
    {
        ArgumentNullException.ThrowIfNull(context);
        if (DeliveryJobs.Deserialize<TJob>(context.Payload) is not { } job)
        {
            return DeliveryStart<TJob>.Unreadable(JobOutcome.Fail($"The job's payload is not {payloadName}."));
        }

        var lookup = await ChannelAsync(job.ChannelId, cancellationToken).ConfigureAwait(false);
        if (!lookup.IsReady)
        {
            CountSkipped(null);
            return DeliveryStart<TJob>.Stopped(job, lookup.Stop);
        }

        return DeliveryStart<TJob>.Ready(job, lookup.Channel);
    }

    /// <summary>The channel of a job, ready to send, or the outcome that ends the job.</summary>
    private async Task<ChannelLookup> ChannelAsync(string channelId, CancellationToken cancellationToken)
    {
        if (await channels.GetAsync(channelId, cancellationToken).ConfigureAwait(false) is not { } entry)
        {
            return ChannelLookup.Stopped(JobOutcome.Fail($"Channel '{channelId}' does not exist."));
        }

        if (!entry.Definition.Enabled)
        {
            return ChannelLookup.Stopped(JobOutcome.Fail($"Channel '{entry.Definition.Name}' is disabled{(entry.DisabledReason is { } why ? ": " + why : "")}; replay the delivery once it is enabled again."));
        }

        if (channels.UnresolvedSecret(entry.Definition) is { } missing)
        {
            return ChannelLookup.Stopped(JobOutcome.Fail($"Channel '{entry.Definition.Name}': {missing}"));
        }

        return ChannelLookup.Ready(channels.ForSending(entry.Definition));
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
                await channels.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
                LogChannelDisabled(LogText.Encode(channel.Name)!, channel.Id);
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
            new KeyValuePair<string, string>("outcome", status is { } s ? s.ToWire() : "not_attempted")]);
        if (store.GetOrCreate(Metric, labels, MetricType.Counter) is { } series)
        {
            store.Record(series, 1);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Channel {Name} ({Id}) was disabled: its destination answered 410 Gone")]
    private partial void LogChannelDisabled(string name, string id);
}
