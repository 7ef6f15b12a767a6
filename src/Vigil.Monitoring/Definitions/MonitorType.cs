namespace Vigil.Monitoring.Definitions;

/// <summary>What a monitor checks.</summary>
public enum MonitorType
{
    /// <summary>An HTTP(S) request whose answer must match the expectations.</summary>
    Http,

    /// <summary>A TCP connection to a host and port.</summary>
    Tcp,

    /// <summary>A push monitor: the watched job calls its check-in URL; late by more than the grace period is down.</summary>
    Heartbeat,
}
