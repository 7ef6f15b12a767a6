using Vigil.Core.Alerts;
using Vigil.Jobs.Queue;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Alerts;

/// <summary>One delivery of a notification to a channel, as the alert page shows it.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="Status"><c>pending</c>, <c>failed</c> (retrying), <c>succeeded</c>, <c>dead</c>, or <c>digest</c>/<c>unknown</c> when no job of its own is found.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="FinishedAt">When it succeeded or was dead-lettered.</param>
/// <param name="LastError">The last error.</param>
/// <param name="JobId">The delivery job, if found.</param>
public sealed record DeliveryLine(string ChannelId, string Status, int Attempts, DateTimeOffset? FinishedAt, string? LastError, long? JobId);

/// <summary>A notification of an alert and what became of it on each channel.</summary>
/// <param name="Intent">The notification.</param>
/// <param name="Deliveries">Its deliveries, one per channel.</param>
public sealed record NotificationLine(StoredIntent Intent, IReadOnlyList<DeliveryLine> Deliveries);

/// <summary>The notifications of one alert with their delivery status (two queries, whatever their number).</summary>
public sealed class AlertDeliveries(AlertRepository alerts, JobQueue queue)
{
    /// <summary>The notifications of <paramref name="alert"/>, oldest first.</summary>
    public async Task<IReadOnlyList<NotificationLine>> LoadAsync(AlertInstance alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var intents = await alerts.IntentsOfAlertAsync(alert.Id, alert.StartedAt.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var keys = intents.SelectMany(i => i.Intent.Channels.Select(c => $"{i.Intent.IdempotencyKey}:{c}")).Distinct(StringComparer.Ordinal).Take(100).ToList();
        var jobs = (await queue.ListByKeysAsync(keys, alert.StartedAt, cancellationToken).ConfigureAwait(false))
            .Where(j => j.IdempotencyKey is not null)
            .GroupBy(j => j.IdempotencyKey!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        return [.. intents.Select(i => new NotificationLine(i, [.. i.Intent.Channels.Select(c =>
            jobs.TryGetValue($"{i.Intent.IdempotencyKey}:{c}", out var job)
                ? new DeliveryLine(c, StatusOf(job.State), job.Attempts, job.FinishedAt, job.LastError, job.Id)
                : new DeliveryLine(c, "digest or not sent", 0, null, null, null))]))];
    }

    private static string StatusOf(JobState state) => state switch
    {
        JobState.Queued or JobState.Processing => "pending",
        JobState.Retrying => "failed",
        JobState.Succeeded => "succeeded",
        _ => "dead",
    };
}
