namespace Vigil.Storage.Monitors;

/// <summary>A monitor as stored: its definition (JSON the monitoring library owns) and the state its checks left.</summary>
public sealed record StoredMonitor
{
    /// <summary>Identifier.</summary>
    public required string Id { get; init; }

    /// <summary>Unique name.</summary>
    public required string Name { get; init; }

    /// <summary><c>http</c>, <c>tcp</c> or <c>heartbeat</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Whether it is checked.</summary>
    public bool Enabled { get; init; }

    /// <summary>Seconds between checks (heartbeats: the expected period).</summary>
    public long IntervalSeconds { get; init; }

    /// <summary>The whole definition as JSON.</summary>
    public required string Definition { get; init; }

    /// <summary>The secret of a heartbeat monitor's check-in URL; null for the other types.</summary>
    public string? HeartbeatToken { get; init; }

    /// <summary>When it was created (Unix ms).</summary>
    public long CreatedAtMs { get; init; }

    /// <summary>When its definition last changed (Unix ms).</summary>
    public long UpdatedAtMs { get; init; }

    /// <summary>Optimistic concurrency version of the definition.</summary>
    public long Version { get; init; }

    /// <summary>The state its checks left (status null before the first check).</summary>
    public MonitorStateRecord State { get; init; } = MonitorStateRecord.Empty;

    /// <summary>When the last heartbeat arrived (Unix ms).</summary>
    public long? LastPingAtMs { get; init; }
}
