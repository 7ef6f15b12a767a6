using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

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
