namespace Vigil.Monitoring.Definitions;

/// <summary>The wire names of monitor types and statuses.</summary>
public static class MonitorNames
{
    /// <summary>The wire name of a type: <c>http</c>, <c>tcp</c>, <c>heartbeat</c>.</summary>
    public static string ToWire(this MonitorType type) => type switch
    {
        MonitorType.Http => "http",
        MonitorType.Tcp => "tcp",
        _ => "heartbeat",
    };

    /// <summary>The wire name of a status: <c>up</c>, <c>degraded</c>, <c>pending</c>, <c>down</c>.</summary>
    public static string ToWire(this MonitorStatus status) => status switch
    {
        MonitorStatus.Up => "up",
        MonitorStatus.Degraded => "degraded",
        MonitorStatus.Pending => "pending",
        _ => "down",
    };

    /// <summary>Parses a type's wire name.</summary>
    public static bool TryParseType(string? text, out MonitorType type)
    {
        (bool ok, type) = text switch
        {
            "http" => (true, MonitorType.Http),
            "tcp" => (true, MonitorType.Tcp),
            "heartbeat" => (true, MonitorType.Heartbeat),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>Parses a status's wire name.</summary>
    public static bool TryParseStatus(string? text, out MonitorStatus status)
    {
        (bool ok, status) = text switch
        {
            "up" => (true, MonitorStatus.Up),
            "degraded" => (true, MonitorStatus.Degraded),
            "pending" => (true, MonitorStatus.Pending),
            "down" => (true, MonitorStatus.Down),
            _ => (false, default),
        };
        return ok;
    }
}
