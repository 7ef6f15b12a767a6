namespace Vigil.Core.Alerts;

/// <summary>The fields of an <see cref="AlertInstance"/> that its lifecycle changes, as storage keeps them.</summary>
/// <param name="Status">Where it is in the lifecycle.</param>
/// <param name="Severity">The severity it fires with (raised by escalation).</param>
/// <param name="FiringSince">When it started firing.</param>
/// <param name="AcknowledgedAt">When it was acknowledged.</param>
/// <param name="AcknowledgedBy">Who acknowledged it.</param>
/// <param name="SilencedUntil">The end of its silence.</param>
/// <param name="ResolvedAt">When it resolved.</param>
/// <param name="LastNotifiedAt">When it last notified.</param>
/// <param name="Notifications">Notifications sent.</param>
/// <param name="RepeatsSinceEscalation">Repeats since it last escalated.</param>
/// <param name="Escalated">Whether it escalated.</param>
/// <param name="Value">The value at the latest evaluation.</param>
/// <param name="Threshold">The threshold in force at the latest evaluation.</param>
public sealed record AlertState(
    AlertStatus Status,
    Severity Severity,
    DateTimeOffset? FiringSince,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    DateTimeOffset? SilencedUntil,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? LastNotifiedAt,
    int Notifications,
    int RepeatsSinceEscalation,
    bool Escalated,
    double? Value,
    double? Threshold)
{
    /// <summary>Why the condition held, in words (see <see cref="GroupEvaluation.Reason"/>).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? Reason { get; init; }
}
