namespace Vigil.Client;

/// <summary>
/// The kind of a metric point, which tells Vigil how to aggregate it.
/// </summary>
public enum MetricKind
{
    /// <summary>An increment of a running total (requests served, orders placed). Sent as <c>counter</c>.</summary>
    Counter = 0,

    /// <summary>A value at a point in time (queue length, memory in use). Sent as <c>gauge</c>.</summary>
    Gauge = 1,

    /// <summary>A duration in milliseconds (request or query time). Sent as <c>timing</c>.</summary>
    Timing = 2,
}
