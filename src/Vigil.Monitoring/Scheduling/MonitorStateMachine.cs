using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Scheduling;

/// <summary>
/// A monitor's state after each check, with no I/O. A failed check is <c>pending</c> while
/// retries are left and <c>down</c> after them; down raises <c>system_down</c> once, and the
/// first passing check after it resolves it. During a maintenance window a failure never
/// makes a monitor down (it stays pending, its checks do not count in uptime), so nothing
/// alerts; a monitor already down stays down until it passes.
/// </summary>
public static class MonitorStateMachine
{
    /// <summary>Applies one check's result.</summary>
    /// <param name="monitor">The monitor.</param>
    /// <param name="state">Its state before the check.</param>
    /// <param name="result">What the check found.</param>
    /// <param name="inMaintenance">Whether a maintenance window covers it now.</param>
    /// <param name="now">When the check ran.</param>
    public static MonitorTransition Apply(MonitorDefinition monitor, MonitorStateRecord state, CheckResult result, bool inMaintenance, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var nowMs = now.ToUnixTimeMilliseconds();
        MonitorNames.TryParseStatus(state.Status, out var before);
        var wasDown = state.Status is not null && before == MonitorStatus.Down;
        MonitorStatus after;
        long failures;
        MonitorStatus? alert = null;
        var retrying = false;
        if (result.Status is MonitorStatus.Up or MonitorStatus.Degraded)
        {
            after = result.Status;
            failures = 0;
            if (wasDown)
            {
                alert = MonitorStatus.Up;
            }
        }
        else
        {
            failures = state.ConsecutiveFailures + 1;
            if (wasDown)
            {
                after = MonitorStatus.Down;
            }
            else if (failures <= monitor.Retries || inMaintenance)
            {
                after = MonitorStatus.Pending;
                retrying = failures <= monitor.Retries;
            }
            else
            {
                after = MonitorStatus.Down;
                alert = MonitorStatus.Down;
            }
        }

        var since = state.Status is not null && before == after && state.StatusSinceMs is { } kept ? kept : nowMs;
        var next = new MonitorStateRecord(
            after.ToWire(), since, failures, nowMs, result.ResponseMs, result.Message,
            result.CertificateExpiresAt?.ToUnixTimeMilliseconds() ?? state.CertificateExpiresAtMs);
        var checkStatus = result.Status == MonitorStatus.Down ? (after == MonitorStatus.Down ? "down" : "pending") : result.Status.ToWire();
        var check = new StoredCheck(0, monitor.Id, nowMs, checkStatus, result.ResponseMs, result.StatusCode, result.Message, inMaintenance);
        return new MonitorTransition(next, check, alert, retrying);
    }
}
