using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>An alert as the API shows it.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="RuleId">The rule that raised it.</param>
/// <param name="Fingerprint">Rule and group: one open alert per fingerprint.</param>
/// <param name="Labels">The group's labels.</param>
/// <param name="Status">pending, firing, acknowledged, silenced or resolved.</param>
/// <param name="Severity">info, warning, error or critical.</param>
/// <param name="StartedAt">When the condition was first seen in this episode.</param>
/// <param name="FiringSince">When it started firing.</param>
/// <param name="AcknowledgedAt">When it was acknowledged.</param>
/// <param name="AcknowledgedBy">Who acknowledged it.</param>
/// <param name="SilencedUntil">Silenced until then.</param>
/// <param name="ResolvedAt">When it was resolved.</param>
/// <param name="LastNotifiedAt">When it last notified.</param>
/// <param name="Notifications">Notifications it produced.</param>
/// <param name="Escalated">Whether it escalated.</param>
/// <param name="Value">The latest value of the rule's aggregate.</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="History">Its transitions, oldest first (only on <c>GET /api/v1/alerts/{id}</c>).</param>
public sealed record AlertResponse(
    string Id, string RuleId, string Fingerprint, IReadOnlyDictionary<string, string> Labels, string Status, string Severity,
    DateTimeOffset StartedAt, DateTimeOffset? FiringSince, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, DateTimeOffset? SilencedUntil,
    DateTimeOffset? ResolvedAt, DateTimeOffset? LastNotifiedAt, int Notifications, bool Escalated, double? Value, double? Threshold,
    IReadOnlyList<TransitionResponse>? History)
{
    /// <summary>Why it fired, in words, for conditions judged outside the rule evaluator (an uptime monitor's error for <c>system_down</c>); null otherwise.</summary>
    public string? Reason { get; init; }
}
