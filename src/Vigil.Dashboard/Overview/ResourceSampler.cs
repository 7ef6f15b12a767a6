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
/// Reads the process's CPU, memory, GC heap and threads. CPU is the processor time used between
/// two reads (at least half a second apart; a closer read returns the previous figure), so every
/// open overview sees the same recent figure.
/// </summary>
public sealed class ResourceSampler(TimeProvider time)
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(500);
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastTimestamp;
    private TimeSpan _lastCpu;
    private double? _lastPercent;

    /// <summary>Samples now.</summary>
    public ResourceUsage Read()
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        double? percent;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_lastTimestamp == 0)
            {
                (_lastTimestamp, _lastCpu) = (now, cpu);
            }
            else if (time.GetElapsedTime(_lastTimestamp, now) is var elapsed && elapsed >= MinInterval)
            {
                _lastPercent = Math.Clamp(100.0 * (cpu - _lastCpu).TotalMilliseconds / elapsed.TotalMilliseconds / Environment.ProcessorCount, 0, 100);
                (_lastTimestamp, _lastCpu) = (now, cpu);
            }

            percent = _lastPercent;
        }

        var startedAt = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        var uptime = time.GetUtcNow() - (startedAt > _started ? _started : startedAt);
        return new ResourceUsage(percent, process.WorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, process.Threads.Count, ThreadPool.ThreadCount,
            GC.CollectionCount(2), uptime < TimeSpan.Zero ? TimeSpan.Zero : uptime);
    }
}
