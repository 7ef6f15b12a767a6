using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Cluster;

/// <summary>Settings of the node heartbeat and the drain at shutdown (configuration section <c>Vigil:Cluster</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Cluster";

    /// <summary>
    /// How often each process writes its heartbeat (<c>cluster_nodes</c>); a node silent for three
    /// intervals shows as stale in <c>GET /api/v1/cluster</c>, and its row goes after an hour.
    /// </summary>
    /// <value>5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the processes sharing a PostgreSQL database share their aggregates, so that each one
    /// sees every point whichever process received it (docs/SCALING.md). Turn off only for a single
    /// process on PostgreSQL that wants to save the shipments' writes. No effect on SQLite.
    /// </summary>
    /// <value>true.</value>
    public bool ShareAggregates { get; set; } = true;

    /// <summary>
    /// How often each process ships what it received to the others and merges in what they shipped:
    /// the most a process killed with SIGKILL loses of the points it accepted, and part of the
    /// delay before a point received by one process counts in another's evaluation.
    /// </summary>
    /// <value>250 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:05")]
    public TimeSpan ShareInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The <c>Retry-After</c> of the 503 a draining process answers ingest calls with.</summary>
    /// <value>5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan DrainRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}
