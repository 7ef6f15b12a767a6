using Vigil.Jobs.Queue;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Relay;

/// <summary>
/// The relay's dashboard counts of seed 000, read the same way for <c>GET /api/v1/relay/stats</c>
/// and the dashboard's relay page.
/// </summary>
public sealed class RelayDashboard(RelayRepository relays, JobQueue queue, TimeProvider time)
{
    /// <summary>Endpoints, distinct integrations, relay calls since midnight UTC and deliveries pending.</summary>
    public async Task<RelayDashboardStats> StatsAsync(CancellationToken cancellationToken = default) =>
        await StatsAsync(await queue.CountsAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The same, with the queue's counts already read (the overview reads them for itself too).</summary>
    public async Task<RelayDashboardStats> StatsAsync(JobCounts counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var endpoints = await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var today = await relays.CountRequestsSinceAsync(midnight.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        return new RelayDashboardStats(endpoints.Count, endpoints.SelectMany(e => e.Integrations).Distinct(StringComparer.Ordinal).Count(), today, counts.Pending);
    }
}
