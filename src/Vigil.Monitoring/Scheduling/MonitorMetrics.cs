using Vigil.Core.Metrics;
using Vigil.Monitoring.Alerts;
using Vigil.Monitoring.Definitions;

namespace Vigil.Monitoring.Scheduling;

/// <summary>
/// The monitors' series in the metric store, so ordinary rules can watch them:
/// <c>vigil_monitor_up</c> (gauge, 1 up or degraded, 0 down or failing) and
/// <c>vigil_monitor_response_ms</c> (timing), labelled <c>monitor</c>, <c>monitor_id</c> and
/// <c>type</c>, plus the scheduler's own <c>vigil_monitor_start_delay_ms</c> (how late each check
/// started). Vigil's own series: no API key owns them, so they count against no key's quota.
/// </summary>
public sealed class MonitorMetrics(MetricStore store)
{
    /// <summary>1 when the check passed (up or degraded), 0 when it failed.</summary>
    public const string UpMetric = "vigil_monitor_up";

    /// <summary>The response time of each check that got an answer.</summary>
    public const string ResponseMetric = "vigil_monitor_response_ms";

    /// <summary>How long after its due time each check started.</summary>
    public const string StartDelayMetric = "vigil_monitor_start_delay_ms";

    /// <summary>Records one check (the up series only outside maintenance windows).</summary>
    public void RecordCheck(MonitorDefinition monitor, MonitorStatus status, double? responseMs, bool inMaintenance)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        var labels = MonitorAlertReport.GroupOf(monitor.Id, monitor.Name, monitor.Type);
        if (!inMaintenance && store.GetOrCreate(UpMetric, labels, MetricType.Gauge) is { } up)
        {
            store.Record(up, status is MonitorStatus.Up or MonitorStatus.Degraded ? 1 : 0);
        }

        if (responseMs is { } ms && store.GetOrCreate(ResponseMetric, labels, MetricType.Timing) is { } response)
        {
            store.Record(response, ms);
        }
    }

    /// <summary>Records how late a check started.</summary>
    public void RecordStartDelay(double milliseconds)
    {
        if (store.GetOrCreate(StartDelayMetric, LabelSet.Empty, MetricType.Timing) is { } series)
        {
            store.Record(series, Math.Max(0, milliseconds));
        }
    }
}
