using Vigil.Jobs.Queue;
using Vigil.Notifications.Resilience;

namespace Vigil.Delivery.Maintenance;

/// <summary>The delivery gauges of <c>/metrics</c>, as last sampled: queue depth by state, breakers by destination.</summary>
public sealed class DeliveryGauges
{
    private volatile Snapshot _latest = new(null, []);

    /// <summary>The latest sample.</summary>
    public Snapshot Latest => _latest;

    /// <summary>Replaces the sample.</summary>
    public void Update(JobCounts counts, IReadOnlyList<DestinationHealth> destinations) => _latest = new Snapshot(counts, destinations);

    /// <summary>One sample.</summary>
    /// <param name="Counts">Queue depth by state, null before the first sample.</param>
    /// <param name="Destinations">Every destination's breaker.</param>
    public sealed record Snapshot(JobCounts? Counts, IReadOnlyList<DestinationHealth> Destinations);
}
