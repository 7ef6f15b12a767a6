namespace Vigil.Monitoring.Definitions;

/// <summary>Where a monitor stands after its checks.</summary>
public enum MonitorStatus
{
    /// <summary>The last check passed.</summary>
    Up,

    /// <summary>The last check passed with a warning: slower than the threshold, or a TLS certificate about to expire.</summary>
    Degraded,

    /// <summary>The last check failed and retries are left before it counts as down.</summary>
    Pending,

    /// <summary>Failed, after its retries: raises <c>system_down</c>.</summary>
    Down,
}
