using System.Reflection;

namespace Vigil.Server.Cluster;

/// <summary>This process as the other nodes see it: an id new at each start, its machine, process id, version and start.</summary>
internal sealed class NodeIdentity
{
    public NodeIdentity(TimeProvider time)
    {
        Host = Environment.MachineName;
        Pid = Environment.ProcessId;
        NodeId = $"{Host}:{Pid}:{Guid.NewGuid().ToString("N")[..8]}";
        Version = typeof(NodeIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
        StartedAt = time.GetUtcNow();
    }

    public string NodeId { get; }

    public string Host { get; }

    public int Pid { get; }

    public string Version { get; }

    public DateTimeOffset StartedAt { get; }
}
