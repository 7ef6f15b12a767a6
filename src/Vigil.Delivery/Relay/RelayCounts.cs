using Vigil.Jobs.Queue;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Relay;

/// <summary>The relay's dashboard counts (seed 000), for <c>GET /api/v1/relay/stats</c> and the overview.</summary>
/// <param name="Endpoints">Relay endpoints.</param>
/// <param name="Integrations">Distinct channels they deliver to.</param>
/// <param name="RequestsToday">Relay calls since midnight UTC.</param>
/// <param name="QueuePending">Deliveries of any kind waiting or running.</param>
public sealed record RelayCounts(int Endpoints, int Integrations, long RequestsToday, long QueuePending)
{
    /// <summary>Reads the counts; <paramref name="queue"/> is the job queue's depth, read by the caller (the overview shows it too).</summary>
    /// <param name="relays">The relay's endpoints and request log.</param>
    /// <param name="queue">The job queue's depth.</param>
    /// <param name="now">Now: "today" starts at its midnight UTC.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<RelayCounts> LoadAsync(RelayRepository relays, JobCounts queue, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relays);
        ArgumentNullException.ThrowIfNull(queue);
        var endpoints = await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false);
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var today = await relays.CountRequestsSinceAsync(midnight.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        return new RelayCounts(endpoints.Count, endpoints.SelectMany(e => e.Integrations).Distinct(StringComparer.Ordinal).Count(), today, queue.Pending);
    }
}
