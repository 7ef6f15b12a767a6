using Vigil.Core.Alerts;
using Vigil.Delivery.Channels;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Pipeline;

/// <summary>
/// Turns the notification intents of an alert transition into delivery jobs, inside the
/// transaction that stores the transition: one job per intent and channel, held until a
/// channel's quiet hours end, or gathered into the channel's digest for warnings and info.
/// </summary>
internal sealed class DeliveryOutbox(ChannelStore channels, JobQueue queue, TimeProvider time) : INotificationOutbox
{
    public async Task EnqueueAsync(UnitOfWork work, IReadOnlyList<NotificationIntent> intents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(intents);
        var known = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var jobs = new List<JobRequest>();
        foreach (var intent in intents)
        {
            foreach (var channelId in intent.Channels.Distinct(StringComparer.Ordinal))
            {
                var channel = known.GetValueOrDefault(channelId)?.Definition;
                if (channel?.Type == ChannelType.InApp)
                {
                    continue; // the feed is the stored intent itself
                }

                var sendAt = channel?.NextSendTime(intent.Severity, now) ?? now;
                if (channel?.DigestMinutes is { } minutes && intent.Severity is Severity.Info or Severity.Warning)
                {
                    // The window the notification falls in (after any quiet hours) is sent when it ends.
                    var heldUntil = channel.NextSendTime(Severity.Error, now);
                    var windowMs = (long)TimeSpan.FromMinutes(minutes).TotalMilliseconds;
                    var windowStartMs = heldUntil.ToUnixTimeMilliseconds() / windowMs * windowMs;
                    await DigestRepository.AddAsync(work, channelId, windowStartMs, [intent.IdempotencyKey], cancellationToken).ConfigureAwait(false);
                    jobs.Add(new JobRequest(
                        DeliveryJobs.Digest,
                        DeliveryJobs.Serialize(new DigestJob(channelId, windowStartMs)),
                        IdempotencyKey: $"digest:{channelId}:{windowStartMs}",
                        Priority: DeliveryJobs.PriorityOf(intent.Severity),
                        RunAt: DateTimeOffset.FromUnixTimeMilliseconds(windowStartMs + windowMs),
                        ConcurrencyKey: channelId));
                    continue;
                }

                // A channel that does not exist (deleted meanwhile) still gets its job: it fails
                // and is dead-lettered where a user sees it, instead of vanishing.
                jobs.Add(new JobRequest(
                    DeliveryJobs.Notification,
                    DeliveryJobs.Serialize(new NotificationJob(intent.IdempotencyKey, channelId)),
                    IdempotencyKey: $"{intent.IdempotencyKey}:{channelId}",
                    Priority: DeliveryJobs.PriorityOf(intent.Severity),
                    RunAt: sendAt > now ? sendAt : null,
                    ConcurrencyKey: channelId));
            }
        }

        if (jobs.Count > 0)
        {
            await queue.EnqueueAsync(work, jobs, cancellationToken).ConfigureAwait(false);
        }
    }
}
