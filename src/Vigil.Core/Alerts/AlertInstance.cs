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
        return this;
    }
}

/// <summary>A recorded change of state: who, when, from, to and why.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="From">The state before (null when the alert was created).</param>
/// <param name="To">The state after.</param>
/// <param name="At">When.</param>
/// <param name="By">Who: <c>vigil</c> for the evaluator, else the API key's name.</param>
/// <param name="Note">Why.</param>
public sealed record AlertTransition(string AlertId, AlertStatus? From, AlertStatus To, DateTimeOffset At, string By, string? Note);

/// <summary>What a notification is about.</summary>
public enum IntentKind
{
    /// <summary>The alert started firing.</summary>
    Firing,

    /// <summary>Still firing, still unacknowledged: a reminder.</summary>
    Repeat,

    /// <summary>Unacknowledged too long: severity raised, escalation channels added.</summary>
    Escalated,

    /// <summary>Someone acknowledged it.</summary>
    Acknowledged,

    /// <summary>It is over.</summary>
    Resolved,
}

/// <summary>
/// A notification to deliver, produced with the transition that causes it (and stored in the
/// same transaction). The idempotency key is stable for the alert and transition; delivery
/// adds the channel.
/// </summary>
/// <param name="AlertId">The alert.</param>
/// <param name="Kind">What it is about.</param>
/// <param name="Severity">The alert's severity at the time.</param>
/// <param name="Channels">Where to send it.</param>
/// <param name="At">When it was produced.</param>
/// <param name="IdempotencyKey">Stable key of (alert, transition).</param>
public sealed record NotificationIntent(string AlertId, IntentKind Kind, Severity Severity, IReadOnlyList<string> Channels, DateTimeOffset At, string IdempotencyKey);
