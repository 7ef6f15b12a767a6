using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// One alert: one episode of a rule's condition for one group (deduplicated by
/// <see cref="Fingerprint"/>), from pending to resolved. Changed only by <see cref="AlertLifecycle"/>.
/// </summary>
public sealed class AlertInstance
{
    /// <summary>Identifier.</summary>
    public required string Id { get; init; }

    /// <summary>The rule that raised it.</summary>
    public required string RuleId { get; init; }

    /// <summary>Rule id and group labels: at most one open alert per fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The group's labels.</summary>
    public required LabelSet Group { get; init; }

    /// <summary>Where it is in its lifecycle.</summary>
    public AlertStatus Status { get; internal set; }

    /// <summary>Current severity (escalation raises it).</summary>
    public Severity Severity { get; internal set; }

    /// <summary>When the condition was first seen holding in this episode.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When it started firing.</summary>
    public DateTimeOffset? FiringSince { get; internal set; }

    /// <summary>When it was acknowledged, and by whom.</summary>
    public DateTimeOffset? AcknowledgedAt { get; internal set; }

    /// <summary>Who acknowledged it.</summary>
    public string? AcknowledgedBy { get; internal set; }

    /// <summary>Silenced until then.</summary>
    public DateTimeOffset? SilencedUntil { get; internal set; }

    /// <summary>When it was resolved.</summary>
    public DateTimeOffset? ResolvedAt { get; internal set; }

    /// <summary>When a notification for it was last produced.</summary>
    public DateTimeOffset? LastNotifiedAt { get; internal set; }

    /// <summary>Notifications produced for it (firing, repeats, escalations).</summary>
    public int Notifications { get; internal set; }

    /// <summary>Repeats since it fired or last escalated.</summary>
    public int RepeatsSinceEscalation { get; internal set; }

    /// <summary>Whether it escalated: its intents then go to the escalation channels too.</summary>
    public bool Escalated { get; internal set; }

    /// <summary>The latest value of the rule's aggregate.</summary>
    public double? Value { get; internal set; }

    /// <summary>The threshold in force at the latest evaluation.</summary>
    public double? Threshold { get; internal set; }

    /// <summary>Why the condition holds, in words, when it was judged outside the rule evaluator (an uptime monitor's error); null otherwise.</summary>
    public string? Reason { get; internal set; }

    /// <summary>Whether it is still open (not resolved).</summary>
    public bool IsOpen => Status != AlertStatus.Resolved;

    /// <summary>The fingerprint of a rule and group: <c>ruleId{labels}</c>.</summary>
    public static string FingerprintOf(string ruleId, LabelSet group) => LabelSet.SeriesKey(ruleId, group);

    /// <summary>
    /// Sets the lifecycle's fields as they were stored, for storage reading an alert back;
    /// nothing else changes them but <see cref="AlertLifecycle"/>.
    /// </summary>
    public AlertInstance Restore(AlertState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Status = state.Status;
        Severity = state.Severity;
        FiringSince = state.FiringSince;
        AcknowledgedAt = state.AcknowledgedAt;
        AcknowledgedBy = state.AcknowledgedBy;
        SilencedUntil = state.SilencedUntil;
        ResolvedAt = state.ResolvedAt;
        LastNotifiedAt = state.LastNotifiedAt;
        Notifications = state.Notifications;
        RepeatsSinceEscalation = state.RepeatsSinceEscalation;
        Escalated = state.Escalated;
        Value = state.Value;
        Threshold = state.Threshold;
        Reason = state.Reason;
        return this;
    }
}
