using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Storage.Caching;
using Vigil.Delivery.Maintenance;
using Vigil.Storage;
using Vigil.Storage.Alerts;

namespace Vigil.Health.Resources;

/// <summary>
/// Every <see cref="HealthOptions.ResourceSampleInterval"/> (10 s), records this process's and
/// its host's resources as gauges in the metric store (<see cref="ResourceSeries"/>), where rules,
/// the series API, <c>/metrics</c> and the rollups see them like any other series. The queue
/// depth comes from the delivery gauges (sampled on the same interval), so it costs no query;
/// open alerts are one count.
/// </summary>
internal sealed partial class ResourceSampler : BackgroundService
{
    private readonly MetricStore _store;
    private readonly VigilCache _cache;
    private readonly DeliveryGauges _delivery;
    private readonly AlertRepository _alerts;
    private readonly OwnUptime _uptime;
    private readonly IOptions<HealthOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ResourceSampler> _logger;
    private readonly string _dataDirectory;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TimeSpan _lastCpu;
    private long _lastAt;
    private volatile ResourceSample? _latest;

    public ResourceSampler(
        MetricStore store, VigilCache cache, DeliveryGauges delivery, AlertRepository alerts, OwnUptime uptime, IOptions<StorageOptions> storage, IOptions<HealthOptions> options, TimeProvider time, ILogger<ResourceSampler> logger)
    {
        _uptime = uptime;
        _store = store;
        _cache = cache;
        _delivery = delivery;
        _alerts = alerts;
        _options = options;
        _time = time;
        _logger = logger;
        _dataDirectory = DataDirectory(storage.Value);
        _lastCpu = Environment.CpuUsage.TotalTime;
        _lastAt = time.GetTimestamp();
    }

    /// <summary>The latest sample, null before the first.</summary>
    public ResourceSample? Latest => _latest;

    /// <summary>The directory whose volume <see cref="ResourceSeries.DiskFreePercent"/> reports.</summary>
    public string DataDirectoryPath => _dataDirectory;

    /// <summary>Raised after each sample is recorded (tests wait on it instead of polling).</summary>
    internal event Action<ResourceSample>? Sampled;

    /// <summary>Takes one sample and records it.</summary>
    public async Task<ResourceSample> SampleAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sample = await SampleLockedAsync(cancellationToken).ConfigureAwait(false);
            Sampled?.Invoke(sample);
            return sample;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private async Task<ResourceSample> SampleLockedAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        var wall = _time.GetElapsedTime(_lastAt, now);
        double? cpuPercent = wall > TimeSpan.Zero
            ? Math.Clamp(100.0 * (cpu - _lastCpu).TotalMilliseconds / (wall.TotalMilliseconds * Environment.ProcessorCount), 0, 100)
            : null;
        _lastCpu = cpu;
        _lastAt = now;

        var gc = GC.GetGCMemoryInfo();
        var heapLimitPercent = gc.TotalAvailableMemoryBytes > 0 ? 100.0 * gc.HeapSizeBytes / gc.TotalAvailableMemoryBytes : 0;
        long? alertsOpen = null;
        try
        {
            alertsOpen = await _alerts.CountOpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogAlertsUnreadable(ex);
        }

        var sample = new ResourceSample(
            _time.GetUtcNow(),
            cpuPercent,
            Environment.WorkingSet,
            gc.HeapSizeBytes,
            Math.Round(heapLimitPercent, 3),
            ThreadPool.PendingWorkItemCount,
            DiskFreePercent(_dataDirectory),
            alertsOpen,
            _delivery.Latest.Counts?.Pending);

        Record(ResourceSeries.CpuPercent, sample.CpuPercent);
        Record(ResourceSeries.WorkingSetBytes, sample.WorkingSetBytes);
        Record(ResourceSeries.GcHeapBytes, sample.GcHeapBytes);
        Record(ResourceSeries.GcHeapLimitPercent, sample.GcHeapLimitPercent);
        Record(ResourceSeries.ThreadPoolQueueLength, sample.ThreadPoolQueueLength);
        Record(ResourceSeries.DiskFreePercent, sample.DiskFreePercent);
        Record(ResourceSeries.AlertsOpen, sample.AlertsOpen);
        Record(ResourceSeries.QueueDepth, sample.QueueDepth);
        var cached = _cache.Statistics();
        Record(ResourceSeries.CacheHits, cached.Hits);
        Record(ResourceSeries.CacheMisses, cached.Misses);
        Record(ResourceSeries.CacheHitRatePercent, cached.HitRatePercent);
        Record(ResourceSeries.CacheEntries, cached.Entries);
        _latest = sample;
        return sample;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Value.ResourceSamplingEnabled)
        {
            return;
        }

        // A delay from each sample rather than a periodic timer: a clock that jumps ahead (a
        // suspended host, or a test's fake clock advanced by days) gives one sample, not one tick
        // per missed interval.
        try
        {
            while (true)
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
                    await _uptime.RefreshAsync(force: false, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(ex);
                }

                await Task.Delay(_options.Value.ResourceSampleInterval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The volume to watch: the SQLite file's directory, else the working directory.</summary>
    internal static string DataDirectory(StorageOptions storage)
    {
        if (storage.Provider == StorageProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(storage.ConnectionString ?? "Data Source=data/vigil.db");
            if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory
                && Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { Length: > 0 } folder)
            {
                return folder;
            }
        }

        return Environment.CurrentDirectory;
    }

    private static double? DiskFreePercent(string path)
    {
        try
        {
            var drive = new DriveInfo(path);
            return drive.TotalSize > 0 ? Math.Round(100.0 * drive.AvailableFreeSpace / drive.TotalSize, 3) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private void Record(string name, double? value)
    {
        if (value is { } v && double.IsFinite(v) && _store.GetOrCreate(name, LabelSet.Empty, MetricType.Gauge) is { } series)
        {
            _store.Record(series, v);
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Sampling the process's resources failed; the next sample tries again")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Counting the open alerts failed; vigil_alerts_open skips this sample")]
    private partial void LogAlertsUnreadable(Exception exception);
}
