using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Scheduling;

/// <summary>What one check changed: the monitor's new state, the check to store, and what to tell the alerts.</summary>
/// <param name="State">The state after the check.</param>
/// <param name="Check">The check as stored.</param>
/// <param name="Alert">Down: the monitor went down (raise <c>system_down</c>); Up: it came back (resolve it); null: nothing to tell.</param>
/// <param name="Retrying">Whether the check failed with retries left (the next check comes after the retry interval).</param>
public sealed record MonitorTransition(MonitorStateRecord State, StoredCheck Check, MonitorStatus? Alert, bool Retrying);
