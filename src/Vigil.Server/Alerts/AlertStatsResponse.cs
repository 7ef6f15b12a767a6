using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>Alert statistics over a window.</summary>
/// <param name="Window">The window, e.g. <c>24h</c>.</param>
/// <param name="Total">Alerts that started in the window.</param>
/// <param name="Active">Open alerts now (firing, acknowledged or silenced).</param>
/// <param name="ByType">Alerts of the window by rule type.</param>
/// <param name="BySeverity">Alerts of the window by severity.</param>
/// <param name="ByStatus">Alerts of the window by status.</param>
/// <param name="MeanTimeToAcknowledgeSeconds">Mean time from firing to acknowledgement, of the acknowledged ones.</param>
/// <param name="MeanTimeToResolveSeconds">Mean time from start to resolution, of the resolved ones.</param>
public sealed record AlertStatsResponse(
    string Window, int Total, int Active, IReadOnlyDictionary<string, int> ByType, IReadOnlyDictionary<string, int> BySeverity,
    IReadOnlyDictionary<string, int> ByStatus, double? MeanTimeToAcknowledgeSeconds, double? MeanTimeToResolveSeconds);
