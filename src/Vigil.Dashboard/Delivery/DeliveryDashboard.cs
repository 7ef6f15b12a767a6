using System.Text.Json;
using Vigil.Delivery.Channels;
using Vigil.Delivery.Pipeline;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Resilience;
using Vigil.Storage.Delivery;

namespace Vigil.Dashboard.Delivery;

/// <summary>
/// What the channels, deliveries and relay pages read: channels with their secrets masked (a page
/// never holds a clear secret), deliveries from the job queue, breakers from the sender and the
/// relay's counts. A fixed number of queries per page, whatever the number of channels.
/// </summary>
public sealed class DeliveryDashboard(ChannelStore channels, JobQueue queue, NotificationSender sender, RelayRepository relays, RelayDashboard relay)
{
    /// <summary>The most deliveries a list shows.</summary>
    public const int MaxLimit = 500;

    // How many of the newest finished deliveries per type the channel list and relay stats look at.
    private const int RecentWindow = 1000;

    /// <summary>Every channel, by name, masked, with its breaker and newest delivery.</summary>
    public async Task<IReadOnlyList<ChannelRow>> ChannelsAsync(CancellationToken cancellationToken = default)
    {
        var all = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var newest = new Dictionary<string, DeliveryRow>(StringComparer.Ordinal);
        foreach (var type in DeliveryJobs.Types)
        {
            foreach (var job in await queue.ListAsync(null, type, RecentWindow, cancellationToken).ConfigureAwait(false))
            {
                if (job.ConcurrencyKey is { } key && (!newest.TryGetValue(key, out var seen) || seen.Id < job.Id))
                {
                    newest[key] = ToRow(job);
                }
            }
        }

        return [.. all.Values
            .OrderBy(c => c.Definition.Name, StringComparer.OrdinalIgnoreCase)
            .Select(c => new ChannelRow(
                ChannelMasking.Mask(c.Definition), c.DisabledReason, sender.GetDestinationHealth(c.Definition), newest.GetValueOrDefault(c.Definition.Id)))];
    }

    /// <summary>One channel, masked, or null.</summary>
    public async Task<ChannelRow?> ChannelAsync(string id, CancellationToken cancellationToken = default) =>
        await channels.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } entry
            ? new ChannelRow(ChannelMasking.Mask(entry.Definition), entry.DisabledReason, sender.GetDestinationHealth(entry.Definition), null)
            : null;

    /// <summary>Channel names by id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ChannelNamesAsync(CancellationToken cancellationToken = default) =>
        (await channels.AllAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Key, c => c.Value.Definition.Name, StringComparer.Ordinal);

    /// <summary>Deliveries newest first, optionally of one status (see <see cref="DeliveryStatuses"/>) and channel.</summary>
    public async Task<IReadOnlyList<DeliveryRow>> DeliveriesAsync(string? status, string? channelId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        var take = channelId is null ? limit : RecentWindow;
        var found = new List<JobInfo>();
        foreach (var type in DeliveryJobs.Types)
        {
            if (status is null)
            {
                found.AddRange(await queue.ListAsync(null, type, take, cancellationToken).ConfigureAwait(false));
                continue;
            }

            foreach (var state in DeliveryStatuses.States(status))
            {
                found.AddRange(await queue.ListAsync(state, type, take, cancellationToken).ConfigureAwait(false));
            }
        }

        return [.. found
            .Where(j => channelId is null || j.ConcurrencyKey == channelId)
            .OrderByDescending(j => j.Id)
            .Take(limit)
            .Select(ToRow)];
    }

    /// <summary>The circuit breaker of every destination attempted since the server started.</summary>
    public IReadOnlyList<DestinationHealth> Breakers() =>
        [.. sender.GetDestinationHealth().OrderByDescending(b => b.State).ThenBy(b => b.Destination, StringComparer.Ordinal)];

    /// <summary>The relay's counts (seed 000).</summary>
    public Task<RelayDashboardStats> RelayStatsAsync(CancellationToken cancellationToken = default) => relay.StatsAsync(cancellationToken);

    /// <summary>The relay endpoints with their channels (masked).</summary>
    public async Task<IReadOnlyList<RelayEndpointView>> RelayEndpointsAsync(CancellationToken cancellationToken = default)
    {
        var all = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var endpoints = await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false);
        return [.. endpoints.OrderBy(e => e.Slug, StringComparer.Ordinal).Select(e => new RelayEndpointView(
            e,
            [.. e.Integrations.Select(id => new KeyValuePair<string, ChannelDefinition?>(
                id, all.TryGetValue(id, out var channel) ? ChannelMasking.Mask(channel.Definition) : null))]))];
    }

    /// <summary>The relay's newest requests.</summary>
    public Task<IReadOnlyList<RelayRequestRecord>> RelayRequestsAsync(int limit, CancellationToken cancellationToken = default) =>
        relays.RequestsAsync(null, limit, cancellationToken);

    /// <summary>Per channel: its relay deliveries among the newest kept of each state.</summary>
    public async Task<IReadOnlyDictionary<string, IntegrationStats>> IntegrationStatsAsync(CancellationToken cancellationToken = default)
    {
        var jobs = new List<JobInfo>();
        foreach (var state in (JobState[])[JobState.Succeeded, JobState.Dead, JobState.Queued, JobState.Processing, JobState.Retrying])
        {
            jobs.AddRange(await queue.ListAsync(state, DeliveryJobs.Relay, RecentWindow, cancellationToken).ConfigureAwait(false));
        }

        return jobs.Where(j => j.ConcurrencyKey is not null).GroupBy(j => j.ConcurrencyKey!, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g =>
            {
                var delivered = g.Where(j => j.State == JobState.Succeeded && j.FinishedAt is not null).ToList();
                TimeSpan? average = delivered.Count == 0
                    ? null
                    : TimeSpan.FromMilliseconds(delivered.Average(j => (j.FinishedAt!.Value - j.CreatedAt).TotalMilliseconds));
                return new IntegrationStats(delivered.Count, g.Count(j => j.State == JobState.Dead), g.Count(j => j.State is JobState.Queued or JobState.Processing or JobState.Retrying), average);
            },
            StringComparer.Ordinal);
    }

    private static DeliveryRow ToRow(JobInfo j) => new(
        j.Id, KindOf(j.Type), j.ConcurrencyKey, AlertOf(j), DeliveryStatuses.Of(j.State), j.Attempts, j.MaxAttempts,
        j.CreatedAt, j.FinishedAt, j.State is JobState.Queued or JobState.Retrying ? j.RunAt : null, j.LastError);

    private static string KindOf(string type) => type switch
    {
        DeliveryJobs.Notification => "notification",
        DeliveryJobs.Digest => "digest",
        DeliveryJobs.Relay => "relay",
        _ => type,
    };

    // A notification's payload names its intent, whose key starts with the alert id ("{alertId}:{kind}:{n}").
    private static string? AlertOf(JobInfo job)
    {
        if (job.Type != DeliveryJobs.Notification)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(job.Payload);
            return payload.RootElement.TryGetProperty("IntentKey", out var key) && key.GetString() is { } text && text.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon
                ? text[..colon]
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
