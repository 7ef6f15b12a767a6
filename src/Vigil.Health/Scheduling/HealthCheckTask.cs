using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Core.Metrics;
using Microsoft.Extensions.Logging;
using Vigil.Health.Reports;
using Vigil.Jobs.Scheduling;

namespace Vigil.Health.Scheduling;

/// <summary>
/// The <see cref="BuiltInSchedules.HealthCheck"/> task: runs every registered health check (the report of
/// <c>GET /api/health</c>) and records the result as the gauge <c>vigil_health_status{check}</c>
/// (0 healthy, 1 degraded, 2 unhealthy; <c>check="overall"</c> for the whole), so the ordinary rule
/// engine alerts on it, and in the schedule's last outcome.
/// </summary>
public sealed partial class HealthCheckTask(HealthReports health, MetricStore store, ILogger<HealthCheckTask> logger) : IScheduledTask
{
    /// <summary>The gauge of each check's status.</summary>
    public const string MetricName = "vigil_health_status";

    /// <inheritdoc/>
    public string Schedule => BuiltInSchedules.HealthCheck;

    /// <inheritdoc/>
    public string Name => "health.check";

    /// <inheritdoc/>
    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var report = await health.FullAsync(cancellationToken).ConfigureAwait(false);
        Record("overall", report.Status);
        foreach (var (name, entry) in report.Entries)
        {
            Record(name, entry.Status);
        }

        var failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"{e.Key} {StatusName(e.Value.Status)}{(e.Value.Description is { } d ? " (" + d + ")" : "")}")
            .ToArray();
        if (report.Status != HealthStatus.Healthy)
        {
            LogNotHealthy(StatusName(report.Status), string.Join("; ", failing));
        }

        return string.Create(CultureInfo.InvariantCulture, $"{StatusName(report.Status)}, {report.Entries.Count} checks{(failing.Length > 0 ? ": " + string.Join("; ", failing) : "")}");
    }

    private void Record(string check, HealthStatus status)
    {
        if (store.GetOrCreate(MetricName, LabelSet.From([new("check", check)]), MetricType.Gauge) is { } series)
        {
            store.Record(series, status switch
            {
                HealthStatus.Healthy => 0,
                HealthStatus.Degraded => 1,
                _ => 2,
            });
        }
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "Vigil is {Status}: {Checks}")]
    private partial void LogNotHealthy(string status, string checks);
}
