using Dapper;

namespace Vigil.Storage.Cluster;

/// <summary>
/// The heartbeats of the processes sharing the database (<c>cluster_nodes</c>): each process
/// upserts its own row, reads all of them for <c>GET /api/v1/cluster</c>, and deletes its row
/// when it stops gracefully. Rows of processes that died stay (shown as stale) until
/// <see cref="RemoveSilentAsync"/> drops them.
/// </summary>
public sealed class ClusterNodeRepository
{
    private const char RoleSeparator = ',';
    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public ClusterNodeRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Writes this process's heartbeat.</summary>
    public async Task BeatAsync(ClusterNode node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cluster_nodes (node_id, host, pid, version, started_at, last_seen, ingest_points_per_sec, evaluation_lag_ms, roles, draining)
            VALUES (@NodeId, @Host, @Pid, @Version, @StartedAt, @LastSeen, @Rate, @Lag, @Roles, @Draining)
            ON CONFLICT (node_id) DO UPDATE SET last_seen = excluded.last_seen, ingest_points_per_sec = excluded.ingest_points_per_sec,
                evaluation_lag_ms = excluded.evaluation_lag_ms, roles = excluded.roles, draining = excluded.draining
            """,
            new
            {
                node.NodeId,
                node.Host,
                node.Pid,
                node.Version,
                StartedAt = node.StartedAt.ToUnixTimeMilliseconds(),
                LastSeen = node.LastSeen.ToUnixTimeMilliseconds(),
                Rate = node.IngestPointsPerSecond,
                Lag = node.EvaluationLag is { } lag ? (long?)lag.TotalMilliseconds : null,
                Roles = string.Join(RoleSeparator, node.Roles),
                node.Draining,
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Every node's last heartbeat, oldest start first.</summary>
    public async Task<IReadOnlyList<ClusterNode>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<NodeRow>(new CommandDefinition(
            """
            SELECT node_id AS NodeId, host AS Host, pid AS Pid, version AS Version, started_at AS StartedAt, last_seen AS LastSeen,
                   ingest_points_per_sec AS Rate, evaluation_lag_ms AS Lag, roles AS Roles, draining AS Draining
            FROM cluster_nodes ORDER BY started_at, node_id
            """, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new ClusterNode(
            r.NodeId,
            r.Host,
            (int)r.Pid,
            r.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(r.LastSeen),
            r.Rate,
            r.Lag is { } lag ? TimeSpan.FromMilliseconds(lag) : null,
            r.Roles.Length == 0 ? [] : r.Roles.Split(RoleSeparator),
            r.Draining != 0))];
    }

    /// <summary>Deletes a node's row (this process's, when it stops gracefully).</summary>
    public async Task RemoveAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM cluster_nodes WHERE node_id = @nodeId", new { nodeId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes the rows of nodes silent since before <paramref name="cutoff"/>.</summary>
    public async Task<int> RemoveSilentAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM cluster_nodes WHERE last_seen < @cutoff", new { cutoff = cutoff.ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    // Integers and booleans as long: SQLite's types and PostgreSQL's both convert to it.
    private sealed class NodeRow
    {
        public string NodeId { get; set; } = "";

        public string Host { get; set; } = "";

        public long Pid { get; set; }

        public string Version { get; set; } = "";

        public long StartedAt { get; set; }

        public long LastSeen { get; set; }

        public double Rate { get; set; }

        public long? Lag { get; set; }

        public string Roles { get; set; } = "";

        public long Draining { get; set; }
    }
}
