namespace Vigil.Core.Alerts;

/// <summary>Where an alert is in its lifecycle.</summary>
public enum AlertStatus
{
    /// <summary>The condition holds; waiting for <c>forSeconds</c>.</summary>
    Pending,

    /// <summary>The condition has held long enough; notifications go out.</summary>
    Firing,

    /// <summary>Someone is on it: no repeats, no escalation.</summary>
    Acknowledged,

    /// <summary>Suppressed until a time: the state still changes, nothing is sent.</summary>
    Silenced,

    /// <summary>Over: the condition cleared, or someone resolved it.</summary>
    Resolved,
}
