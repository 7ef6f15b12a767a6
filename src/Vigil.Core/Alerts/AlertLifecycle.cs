using System.Globalization;

namespace Vigil.Core.Alerts;

/// <summary>
/// The alert state machine (SPEC §3.3): pending → firing → acknowledged → resolved, silenced
/// until a time; cooldown, repeat notifications and escalation. Pure: it reads the time it is
/// given and changes only the alert it is handed, so every path is tested with a fake clock.
/// </summary>
public static class AlertLifecycle
{
    /// <summary>Who the evaluator is in transitions.</summary>
    public const string System = "vigil";

    /// <summary>
    /// Repeats without acknowledgement before an alert escalates (seed 001: low 5, medium 3,
    /// high 2, critical 1; Vigil's info/warning/error/critical map onto them).
    /// </summary>
    public static int RepeatsBeforeEscalation(Severity severity) => severity switch
    {
        Severity.Info => 5,
        Severity.Warning => 3,
        Severity.Error => 2,
        _ => 1,
    };

    /// <summary>
    /// Applies one evaluation of a rule to a group's open alert (or to none).
    /// </summary>
    /// <param name="rule">The rule.</param>
    /// <param name="open">The group's open alert, or null.</param>
    /// <param name="outcome">The evaluation.</param>
    /// <param name="now">The time of the evaluation.</param>
    /// <param name="lastNotified">When this rule and group last notified (any episode), for the cooldown.</param>
    /// <param name="silenced">Whether a silence matches: the state changes, nothing is sent.</param>
    /// <param name="newId">Makes the id of a new alert.</param>
    public static LifecycleResult Evaluate(AlertRule rule, AlertInstance? open, GroupEvaluation outcome, DateTimeOffset now, DateTimeOffset? lastNotified, bool silenced, Func<string> newId)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(newId);
        var result = new LifecycleResult { Alert = open };
        if (outcome.State == ConditionState.NotEnoughData)
        {
            return result; // neither firing nor resolved: keep what is
        }

        if (open is null)
        {
            if (outcome.State != ConditionState.Met)
            {
                return result;
            }

            open = new AlertInstance
            {
                Id = newId(),
                RuleId = rule.Id,
                Fingerprint = AlertInstance.FingerprintOf(rule.Id, outcome.Group),
                Group = outcome.Group,
                Status = AlertStatus.Pending,
                Severity = rule.Severity,
                StartedAt = now,
                Value = outcome.Value,
                Threshold = outcome.Threshold,
                Reason = outcome.Reason,
            };
            result.Alert = open;
            result.Created = true;
            result.Transitions.Add(new AlertTransition(open.Id, null, AlertStatus.Pending, now, System, Describe(outcome)));
            if (rule.ForSeconds <= 0)
            {
                Fire(rule, open, now, lastNotified, silenced, result);
            }

            return result;
        }

        open.Value = outcome.Value;
        open.Threshold = outcome.Threshold;
        if (outcome.State == ConditionState.Met)
        {
            if (outcome.Reason is not null)
            {
                open.Reason = outcome.Reason;
            }

            if (open.Status == AlertStatus.Pending && now - open.StartedAt >= TimeSpan.FromSeconds(rule.ForSeconds))
            {
                Fire(rule, open, now, lastNotified, silenced, result);
            }

            return result;
        }

        if (!outcome.Recovered)
        {
            return result; // below the threshold but not past the recovery threshold: hold
        }

        if (outcome.Reason is not null)
        {
            open.Reason = outcome.Reason; // why it cleared: the firing evidence's reason read as if it still fired
        }

        ResolveCore(rule, open, now, System, open.Status == AlertStatus.Pending ? "the condition cleared before forSeconds elapsed" : "the condition cleared: " + Describe(outcome), silenced, result);
        return result;
    }

    /// <summary>
    /// The timer pass for an open alert: a silence that ended, a cooldown that ended on an alert
    /// that fired within it, a repeat notification that is due, escalation after the severity's
    /// number of unacknowledged repeats.
    /// </summary>
    public static LifecycleResult Tick(AlertRule rule, AlertInstance alert, DateTimeOffset now, bool silenced)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(alert);
        var result = new LifecycleResult { Alert = alert };
        if (alert.Status == AlertStatus.Silenced && alert.SilencedUntil is { } until && now >= until)
        {
            alert.SilencedUntil = null;
            Move(alert, AlertStatus.Firing, now, System, "the silence ended", result);
            Notify(rule, alert, IntentKind.Firing, now, silenced, result);
            return result;
        }

        if (alert.Status == AlertStatus.Firing && alert.LastNotifiedAt is null && !silenced)
        {
            // Fired while a silence matched it: now that none does, say so once.
            Notify(rule, alert, IntentKind.Firing, now, silenced, result);
            return result;
        }

        if (alert.Status == AlertStatus.Firing && alert.Notifications == 0 && alert.LastNotifiedAt is { } earlier && !silenced
            && now - earlier >= TimeSpan.FromMinutes(rule.CooldownMinutes))
        {
            // Fired within the cooldown of an earlier episode's notification: still firing when it ends, so said now
            // (not at the next repeat, hours on; its resolution is then said too).
            Move(alert, AlertStatus.Firing, now, System, "the cooldown ended", result);
            Notify(rule, alert, IntentKind.Firing, now, silenced, result);
            return result;
        }

        if (alert.Status != AlertStatus.Firing || rule.RepeatIntervalMinutes <= 0 || alert.LastNotifiedAt is not { } last
            || now - last < TimeSpan.FromMinutes(rule.RepeatIntervalMinutes))
        {
            return result;
        }

        alert.RepeatsSinceEscalation++;
        if (alert.RepeatsSinceEscalation >= RepeatsBeforeEscalation(alert.Severity) && (alert.Severity < Severity.Critical || !alert.Escalated))
        {
            var before = alert.Severity;
            alert.Severity = before < Severity.Critical ? before + 1 : before;
            alert.Escalated = true;
            alert.RepeatsSinceEscalation = 0;
            result.Transitions.Add(new AlertTransition(alert.Id, AlertStatus.Firing, AlertStatus.Firing, now, System,
                $"escalated from {before.ToWire()} to {alert.Severity.ToWire()} after {RepeatsBeforeEscalation(before)} unacknowledged notification(s)"));
            Notify(rule, alert, IntentKind.Escalated, now, silenced, result);
        }
        else
        {
            Notify(rule, alert, IntentKind.Repeat, now, silenced, result);
        }

        return result;
    }

    /// <summary>Someone is on it: no more repeats or escalation.</summary>
    public static LifecycleResult Acknowledge(AlertRule rule, AlertInstance alert, DateTimeOffset now, string by, string? note, bool silenced)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var result = new LifecycleResult { Alert = alert };
        if (alert.Status is AlertStatus.Resolved or AlertStatus.Acknowledged)
        {
            return result;
        }

        alert.AcknowledgedAt = now;
        alert.AcknowledgedBy = by;
        Move(alert, AlertStatus.Acknowledged, now, by, note, result);
        Notify(rule, alert, IntentKind.Acknowledged, now, silenced, result);
        return result;
    }

    /// <summary>Suppresses notifications until <paramref name="until"/>; the alert still changes state.</summary>
    public static LifecycleResult Silence(AlertInstance alert, DateTimeOffset now, DateTimeOffset until, string by, string? note)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var result = new LifecycleResult { Alert = alert };
        if (alert.Status == AlertStatus.Resolved)
        {
            return result;
        }

        alert.SilencedUntil = until;
        Move(alert, AlertStatus.Silenced, now, by, note ?? $"silenced until {until.ToString("O", CultureInfo.InvariantCulture)}", result);
        return result;
    }

    /// <summary>Resolves the alert by hand.</summary>
    public static LifecycleResult Resolve(AlertRule rule, AlertInstance alert, DateTimeOffset now, string by, string? note, bool silenced)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var result = new LifecycleResult { Alert = alert };
        if (alert.Status != AlertStatus.Resolved)
        {
            ResolveCore(rule, alert, now, by, note ?? "resolved by hand", silenced, result);
        }

        return result;
    }

    private static void Fire(AlertRule rule, AlertInstance alert, DateTimeOffset now, DateTimeOffset? lastNotified, bool silenced, LifecycleResult result)
    {
        alert.FiringSince = now;
        var inCooldown = lastNotified is { } last && now - last < TimeSpan.FromMinutes(rule.CooldownMinutes);
        Move(alert, AlertStatus.Firing, now, System, inCooldown ? $"firing; not notified: within the {rule.CooldownMinutes} min cooldown" : "firing", result);
        if (!inCooldown)
        {
            Notify(rule, alert, IntentKind.Firing, now, silenced, result);
        }
        else
        {
            // The cooldown counts as the last notification, so repeats keep their rhythm.
            alert.LastNotifiedAt = lastNotified;
        }
    }

    private static void ResolveCore(AlertRule rule, AlertInstance alert, DateTimeOffset now, string by, string? note, bool silenced, LifecycleResult result)
    {
        var notified = alert.Notifications > 0;
        alert.ResolvedAt = now;
        alert.SilencedUntil = null;
        Move(alert, AlertStatus.Resolved, now, by, note, result);
        if (notified)
        {
            Notify(rule, alert, IntentKind.Resolved, now, silenced, result);
        }
    }

    private static void Move(AlertInstance alert, AlertStatus to, DateTimeOffset now, string by, string? note, LifecycleResult result)
    {
        result.Transitions.Add(new AlertTransition(alert.Id, alert.Status, to, now, by, note));
        alert.Status = to;
    }

    private static void Notify(AlertRule rule, AlertInstance alert, IntentKind kind, DateTimeOffset now, bool silenced, LifecycleResult result)
    {
        if (silenced || alert.Status == AlertStatus.Silenced)
        {
            return;
        }

        if (kind is IntentKind.Firing or IntentKind.Repeat or IntentKind.Escalated)
        {
            alert.LastNotifiedAt = now;
            alert.Notifications++;
        }

        IReadOnlyList<string> channels = alert.Escalated ? [.. rule.Channels.Union(rule.EscalationChannels, StringComparer.Ordinal)] : rule.Channels;
        var key = string.Create(CultureInfo.InvariantCulture, $"{alert.Id}:{kind.ToString().ToLowerInvariant()}:{alert.Notifications}");
        result.Intents.Add(new NotificationIntent(alert.Id, kind, alert.Severity, channels, now, key));
    }

    private static string Describe(GroupEvaluation outcome) => outcome.Reason ??
        string.Create(CultureInfo.InvariantCulture, $"value {outcome.Value:G6}, threshold {outcome.Threshold:G6}, {outcome.DataPoints} point(s)");
}
