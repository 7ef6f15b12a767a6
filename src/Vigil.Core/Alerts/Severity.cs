namespace Vigil.Core.Alerts;

/// <summary>How urgent an alert is. Escalation moves one step up.</summary>
public enum Severity
{
    /// <summary>For information; never pages anyone.</summary>
    Info,

    /// <summary>Something to look at soon.</summary>
    Warning,

    /// <summary>Something is broken for some users.</summary>
    Error,

    /// <summary>Act now.</summary>
    Critical,
}
