namespace Vigil.Health.Resources;

/// <summary>One reading of the process's resources; a figure that could not be read is null.</summary>
/// <param name="At">When it was taken.</param>
/// <param name="CpuPercent">CPU since the previous reading, percent of all cores (null on the first).</param>
/// <param name="WorkingSetBytes">The working set.</param>
/// <param name="GcHeapBytes">The managed heap after the last collection.</param>
/// <param name="GcHeapLimitPercent">The managed heap as a percentage of the memory the GC may use.</param>
/// <param name="ThreadPoolQueueLength">Work items waiting in the thread pool.</param>
/// <param name="DiskFreePercent">Free space of the data volume.</param>
/// <param name="AlertsOpen">Open alerts.</param>
/// <param name="QueueDepth">Delivery jobs still to run (null until the delivery gauges have been sampled).</param>
public sealed record ResourceSample(
    DateTimeOffset At,
    double? CpuPercent,
    long WorkingSetBytes,
    long GcHeapBytes,
    double GcHeapLimitPercent,
    long ThreadPoolQueueLength,
    double? DiskFreePercent,
    long? AlertsOpen,
    long? QueueDepth);
