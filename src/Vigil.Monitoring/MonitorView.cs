using Vigil.Monitoring.Definitions;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring;

/// <summary>A monitor as a page or the API shows it: its definition, current state, uptime and latest checks.</summary>
/// <param name="Definition">What it checks.</param>
/// <param name="Stored">The stored row (state, heartbeat token, times, version).</param>
/// <param name="Uptime">Uptime over 24 h, 7 d and 30 d, keyed <c>24h</c>, <c>7d</c>, <c>30d</c>.</param>
/// <param name="RecentChecks">Its latest checks, newest first.</param>
/// <param name="InMaintenance">Whether a maintenance window covers it now.</param>
public sealed record MonitorView(MonitorDefinition Definition, StoredMonitor Stored, IReadOnlyDictionary<string, UptimeFigures> Uptime, IReadOnlyList<StoredCheck> RecentChecks, bool InMaintenance);
