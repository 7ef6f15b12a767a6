namespace Vigil.Health.Resources;

/// <summary>
/// The gauges the <see cref="ResourceSampler"/> records about this process and its host, every
/// <see cref="HealthOptions.ResourceSampleInterval"/>, without labels. Like every <c>vigil_</c>
/// series they never count against the series limit, and rules alert on them like on any series.
/// </summary>
public static class ResourceSeries
{
    /// <summary>CPU used by this process over the last interval, percent of all cores.</summary>
    public const string CpuPercent = "vigil_process_cpu_percent";

    /// <summary>The process's working set (physical memory), bytes.</summary>
    public const string WorkingSetBytes = "vigil_process_working_set_bytes";

    /// <summary>The managed heap after the last garbage collection, bytes.</summary>
    public const string GcHeapBytes = "vigil_gc_heap_bytes";

    /// <summary>
    /// The managed heap as a percentage of the memory the GC may use (the container or
    /// <c>GCHeapHardLimit</c> limit, else physical memory): seed 001's heap rule reads it.
    /// </summary>
    public const string GcHeapLimitPercent = "vigil_gc_heap_limit_percent";

    /// <summary>Work items waiting in the thread pool's queues.</summary>
    public const string ThreadPoolQueueLength = "vigil_threadpool_queue_length";

    /// <summary>Free space of the data volume (the SQLite file's, else the working directory's), percent: seed 000's <c>disk_space_low</c>.</summary>
    public const string DiskFreePercent = "vigil_disk_free_percent";

    /// <summary>Open (not resolved) alerts.</summary>
    public const string AlertsOpen = "vigil_alerts_open";

    /// <summary>Delivery jobs still to run: queued, retrying and processing.</summary>
    public const string QueueDepth = "vigil_queue_depth";

    /// <summary>Reads answered from the read cache since start-up (<c>VigilCache</c>).</summary>
    public const string CacheHits = "vigil_cache_hits";

    /// <summary>Reads the read cache sent to the database since start-up.</summary>
    public const string CacheMisses = "vigil_cache_misses";

    /// <summary>The read cache's hits over all its reads since start-up, percent (seed 003's target: above 75).</summary>
    public const string CacheHitRatePercent = "vigil_cache_hit_rate_percent";

    /// <summary>Entries the read cache holds in this process.</summary>
    public const string CacheEntries = "vigil_cache_entries";
}
