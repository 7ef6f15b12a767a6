namespace Vigil.Storage.Monitors;

/// <summary>A maintenance window: during it, the monitor (or every monitor, when <paramref name="MonitorId"/> is null) neither alerts nor counts as down.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">What the maintenance is.</param>
/// <param name="MonitorId">The monitor it covers; null for all.</param>
/// <param name="StartsAtMs">Start (Unix ms, inclusive).</param>
/// <param name="EndsAtMs">End (Unix ms, exclusive).</param>
/// <param name="CreatedAtMs">When it was created (Unix ms).</param>
public sealed record StoredMaintenance(string Id, string Name, string? MonitorId, long StartsAtMs, long EndsAtMs, long CreatedAtMs)
{
    /// <summary>Whether the window covers <paramref name="monitorId"/> at <paramref name="atMs"/>.</summary>
    public bool Covers(string monitorId, long atMs) =>
        atMs >= StartsAtMs && atMs < EndsAtMs && (MonitorId is null || string.Equals(MonitorId, monitorId, StringComparison.Ordinal));
}
