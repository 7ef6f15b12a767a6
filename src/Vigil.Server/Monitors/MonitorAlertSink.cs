using Vigil.Core.Alerts;
using Vigil.Monitoring.Alerts;
using Vigil.Server.Alerts;

namespace Vigil.Server.Monitors;

/// <summary>
/// Monitors' conditions into the alert engine: a monitor down is the <c>system_down</c> rule's
/// condition holding for the monitor's group (value 0 against the threshold 1, the way the rule
/// reads <c>vigil_monitor_up</c>), with the monitor's error as the alert's reason; up again, it
/// clears. The engine runs them through the one lifecycle every alert takes.
/// </summary>
internal sealed class MonitorAlertSink(AlertEngine engine) : IMonitorAlertSink
{
    public Task ReportAsync(MonitorAlertReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return engine.ApplyConditionsAsync(MonitorAlertReport.RuleId, [Outcome(report)], exclusive: false, cancellationToken);
    }

    public Task ReconcileAsync(IReadOnlyList<MonitorAlertReport> down, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(down);
        return engine.ApplyConditionsAsync(MonitorAlertReport.RuleId, [.. down.Select(Outcome)], exclusive: true, cancellationToken);
    }

    private static GroupEvaluation Outcome(MonitorAlertReport report) =>
        GroupEvaluation.External(report.Group, report.Down, report.Down ? 0 : 1, 1, report.Reason);
}
