namespace Vigil.Storage.Monitors;

/// <summary>One check of a monitor, as stored.</summary>
/// <param name="Id">Row id (0 before it is stored); pages are cut by it.</param>
/// <param name="MonitorId">The monitor.</param>
/// <param name="CheckedAtMs">When the check started (Unix ms).</param>
/// <param name="Status"><c>up</c>, <c>degraded</c> or <c>down</c>.</param>
/// <param name="ResponseMs">How long the target took to answer; null when it did not (or for a heartbeat).</param>
/// <param name="StatusCode">The HTTP status of the answer, when there was one.</param>
/// <param name="Error">Why it failed or is degraded; null when it passed cleanly.</param>
/// <param name="Maintenance">Whether it ran during a maintenance window (not counted in uptime).</param>
public sealed record StoredCheck(long Id, string MonitorId, long CheckedAtMs, string Status, double? ResponseMs, long? StatusCode, string? Error, bool Maintenance);
