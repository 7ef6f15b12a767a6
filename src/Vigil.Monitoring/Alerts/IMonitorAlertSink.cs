namespace Vigil.Monitoring.Alerts;

/// <summary>
/// Where monitors' conditions go to become <c>system_down</c> alerts. The server implements it
/// with the alert engine's entry point for conditions judged outside the rule evaluator, so the
/// alerts take the normal lifecycle: stored with their transitions, silences, acknowledgement,
/// repeats and escalation, notifications delivered durably to the rule's channels.
/// </summary>
public interface IMonitorAlertSink
{
    /// <summary>A monitor went down or came back.</summary>
    Task ReportAsync(MonitorAlertReport report, CancellationToken cancellationToken = default);

    /// <summary>
    /// The monitors down now, every one of them: an open <c>system_down</c> alert of any other
    /// monitor (deleted, paused, renamed, recovered while another process ran the checks) resolves.
    /// </summary>
    Task ReconcileAsync(IReadOnlyList<MonitorAlertReport> down, CancellationToken cancellationToken = default);
}

/// <summary>The sink when no alert engine is wired: monitors are checked and stored, nothing alerts.</summary>
internal sealed class NoMonitorAlerts : IMonitorAlertSink
{
    public Task ReportAsync(MonitorAlertReport report, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task ReconcileAsync(IReadOnlyList<MonitorAlertReport> down, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
