using System.Globalization;
using System.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Health.Resources;
using Vigil.Storage.Caching;

namespace Vigil.Health.Checks;

/// <summary>
/// How well Vigil itself performs (seed 003's <c>/api/health/advanced</c>): its own request error
/// rate and response times over <see cref="HealthOptions.AdvancedWindow"/>, read from its own
/// request series in memory (no query), its memory, and the performance-targets table with each
/// row's pass or fail, the read cache's counts (<see cref="VigilCache"/>), the database
/// statements' timings (<see cref="DatabaseQuerySeries"/>) and Vigil's own uptime
/// (<see cref="OwnUptime"/>). <c>degraded</c> when the error rate exceeds
/// <see cref="HealthOptions.SystemErrorRatePercent"/> (seed 002: 10 %) or the p95 response time
/// <see cref="HealthOptions.SystemResponseTimeMs"/> (200 ms); the targets inform, they do not
/// change the status. Never <c>unhealthy</c>: it reads memory only.
/// </summary>
internal sealed class AdvancedHealthCheck(MetricStore store, VigilCache cache, OwnUptime uptime, IOptionsMonitor<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>Whether the garbage collector adapts its heap to the application's size (DATAS), as the runtime took its settings (runtimeconfig, then DOTNET_ variables).</summary>
    private static readonly Lazy<bool> DynamicAdaptation = new(() =>
        GC.GetConfigurationVariables().TryGetValue("GCDynamicAdaptationMode", out var mode) && Convert.ToInt64(mode, CultureInfo.InvariantCulture) != 0);

    private WindowAccumulator Window(string metric, long fromMs, long nowMs)
    {
        var accumulator = new WindowAccumulator();
        if (store.Family(metric) is { } family)
        {
            foreach (var series in family.Series)
            {
                series.AggregateInto(accumulator, fromMs, nowMs + 1);
            }
        }

        return accumulator;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fromMs = nowMs - (long)settings.AdvancedWindow.TotalMilliseconds;
        var accumulator = Window(OwnRequests.Metric, fromMs, nowMs);
        var queries = Window(DatabaseQuerySeries.Metric, fromMs, nowMs);
        double? queryP95 = queries.Quantile(0.95) is { } q ? Math.Round(q, 2) : null;
        var upFigure = uptime.Latest;

        var requests = accumulator.Count;
        double? errorRate = requests > 0 ? Math.Round(100.0 * accumulator.ErrorCount / requests, 3) : null;
        double? Quantile(double q) => accumulator.Quantile(q) is { } v ? Math.Round(v, 2) : null;
        var p95 = Quantile(0.95);
        var gc = GC.GetGCMemoryInfo();
        var heapPercent = gc.TotalAvailableMemoryBytes > 0 ? Math.Round(100.0 * gc.HeapSizeBytes / gc.TotalAvailableMemoryBytes, 2) : (double?)null;

        var cached = cache.Statistics();
        var targets = new[]
        {
            PerformanceTarget.Above("cacheHitRate", "percent", 75, "< 70", cached.HitRatePercent),
            PerformanceTarget.Below("apiResponseP95", "ms", 500, "> 1000", p95),
            PerformanceTarget.Below("databaseQueryP95", "ms", 250, "> 500", queryP95),
            PerformanceTarget.Below("heapMemory", "percent", 70, "> 80", heapPercent),
            PerformanceTarget.Below("errorRate", "percent", 0.1, "> 0.5", errorRate),
            PerformanceTarget.Above("uptime", "percent", 99.9, "< 99.5", upFigure?.Percent),
        };

        var data = new Dictionary<string, object>
        {
            ["windowSeconds"] = settings.AdvancedWindow.TotalSeconds,
            ["requests"] = requests,
            ["errors"] = new Dictionary<string, object?> { ["count"] = accumulator.ErrorCount, ["ratePercent"] = errorRate },
            ["responseTimes"] = new Dictionary<string, object?>
            {
                ["avg"] = requests > 0 ? Math.Round(accumulator.Sum / requests, 2) : null,
                ["p50"] = Quantile(0.50),
                ["p95"] = p95,
                ["p99"] = Quantile(0.99),
            },
            ["database"] = new Dictionary<string, object?>
            {
                ["queries"] = queries.Count,
                ["p50"] = queries.Quantile(0.50) is { } q50 ? Math.Round(q50, 2) : null,
                ["p95"] = queryP95,
                ["p99"] = queries.Quantile(0.99) is { } q99 ? Math.Round(q99, 2) : null,
            },
            ["uptime"] = new Dictionary<string, object?>
            {
                ["percent"] = upFigure?.Percent,
                ["from"] = upFigure is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(upFigure.FromMs),
                ["to"] = upFigure is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(upFigure.ToMs),
            },
            ["memory"] = new Dictionary<string, object?>
            {
                ["workingSetBytes"] = Environment.WorkingSet,
                ["gcHeapBytes"] = gc.HeapSizeBytes,
                ["heapLimitBytes"] = gc.TotalAvailableMemoryBytes,
                ["heapPercent"] = heapPercent,
                ["gc"] = new Dictionary<string, object?>
                {
                    ["mode"] = GCSettings.IsServerGC ? "server" : "workstation",
                    ["dynamicAdaptation"] = DynamicAdaptation.Value,
                    ["pauseTimePercent"] = gc.PauseTimePercentage,
                },
            },
            ["cache"] = new Dictionary<string, object?>
            {
                ["hitRate"] = cached.HitRatePercent,
                ["hits"] = cached.Hits,
                ["misses"] = cached.Misses,
                ["entries"] = cached.Entries,
                ["invalidation"] = cached.Invalidation,
                ["trusted"] = cached.Trusted,
            },
            ["thresholds"] = new Dictionary<string, object>
            {
                ["errorRate"] = settings.SystemErrorRatePercent,
                ["responseTime"] = settings.SystemResponseTimeMs,
            },
            ["targets"] = targets,
        };

        var problems = new List<string>();
        if (errorRate > settings.SystemErrorRatePercent)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{errorRate} % of the {requests} requests failed (threshold {settings.SystemErrorRatePercent} %)"));
        }

        if (p95 > settings.SystemResponseTimeMs)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the p95 response time is {p95} ms (threshold {settings.SystemResponseTimeMs} ms)"));
        }

        var passed = targets.Count(t => t.Pass == true);
        var judged = targets.Count(t => t.Pass is not null);
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"Vigil performs within its thresholds; {passed} of {judged} measured targets met.", data)
            : HealthCheckResult.Degraded($"Vigil is degraded: {string.Join("; ", problems)}.", data: data));
    }
}
