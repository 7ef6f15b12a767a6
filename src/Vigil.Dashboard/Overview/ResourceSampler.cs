using System.Diagnostics;

namespace Vigil.Dashboard.Overview;

/// <summary>This Vigil process's resources as the overview shows them.</summary>
/// <param name="CpuPercent">CPU used since the previous sample, as a share of every core (0-100), or null before there are two samples.</param>
/// <param name="WorkingSetBytes">Physical memory in use.</param>
/// <param name="GcHeapBytes">The managed heap's size after the last collection.</param>
/// <param name="Threads">The process's threads.</param>
/// <param name="ThreadPoolThreads">Thread-pool threads.</param>
/// <param name="Gen2Collections">Full garbage collections so far.</param>
/// <param name="Uptime">How long the process has run.</param>
public sealed record ResourceUsage(double? CpuPercent, long WorkingSetBytes, long GcHeapBytes, int Threads, int ThreadPoolThreads, int Gen2Collections, TimeSpan Uptime);

/// <summary>
/// Reads the process's CPU, memory, GC heap and threads, at most once a second: a read within a
/// second of the last sample returns it, so many open overviews cost one sample (counting the
/// process's threads walks /proc). CPU is the processor time used between two samples.
/// </summary>
public sealed class ResourceSampler(TimeProvider time)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastTimestamp;
    private TimeSpan _lastCpu;
    private double? _lastPercent;
    private ResourceUsage? _last;

    /// <summary>The latest sample (taking one if the last is a second old).</summary>
    public ResourceUsage Read()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_last is not null && time.GetElapsedTime(_lastTimestamp, now) < MinInterval)
            {
                return _last;
            }

            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            if (_lastTimestamp != 0)
            {
                var elapsed = time.GetElapsedTime(_lastTimestamp, now);
                _lastPercent = Math.Clamp(100.0 * (cpu - _lastCpu).TotalMilliseconds / elapsed.TotalMilliseconds / Environment.ProcessorCount, 0, 100);
            }

            (_lastTimestamp, _lastCpu) = (now, cpu);
            _last = Sample(process, _lastPercent);
            return _last;
        }
    }

    private ResourceUsage Sample(Process process, double? percent)
    {
        var startedAt = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        var uptime = time.GetUtcNow() - (startedAt > _started ? _started : startedAt);
        return new ResourceUsage(percent, process.WorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, process.Threads.Count, ThreadPool.ThreadCount,
            GC.CollectionCount(2), uptime < TimeSpan.Zero ? TimeSpan.Zero : uptime);
    }
}
