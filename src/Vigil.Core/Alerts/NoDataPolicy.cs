namespace Vigil.Core.Alerts;

/// <summary>What a window with too few points (below the rule's <c>minDataPoints</c>) means.</summary>
public enum NoDataPolicy
{
    /// <summary>Nothing changes: a pending or firing alert stays as it is, none starts.</summary>
    KeepLast,

    /// <summary>The condition does not hold: an open alert resolves.</summary>
    Ok,

    /// <summary>The condition holds: no data is itself the problem (a job that stopped reporting).</summary>
    Alerting,
}
