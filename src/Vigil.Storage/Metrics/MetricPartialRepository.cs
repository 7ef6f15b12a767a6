using Npgsql;
using NpgsqlTypes;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>
/// The shipments of aggregates between the processes sharing a PostgreSQL database
/// (<c>metric_partials</c>): each process appends what it received; each reads, per other
/// process, the rows past its cursor for that process. One process's shipments are appended one
/// after the other, each in one statement, so its rows become visible in id order and a
/// per-process cursor never skips a row. Not used on SQLite (one process).
/// </summary>
public sealed class MetricPartialRepository
{
    private const string Columns = "p.id, p.node_id, p.series_key, p.name, p.type, p.owner_key_id, p.minute_ms, p.count, p.sum, p.min, p.max, p.last, p.last_offset_ms, p.bins";
    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public MetricPartialRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Appends one shipment of <paramref name="nodeId"/> in one statement.</summary>
    public async Task AppendAsync(string nodeId, long nowMs, IReadOnlyList<MetricPartial> partials, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partials);
        if (partials.Count == 0)
        {
            return;
        }

        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO metric_partials (node_id, created_at, series_key, name, type, owner_key_id, minute_ms, count, sum, min, max, last, last_offset_ms, bins)
            SELECT @node, @now, * FROM unnest(@key, @name, @type, @owner, @minute, @count, @sum, @min, @max, @last, @offset, @bins)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("node", nodeId));
        command.Parameters.Add(new NpgsqlParameter<long>("now", nowMs));
        command.Parameters.Add(new NpgsqlParameter<string[]>("key", [.. partials.Select(p => p.SeriesKey)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("name", [.. partials.Select(p => p.Name)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("type", [.. partials.Select(p => p.Type.ToWire())]));
        command.Parameters.Add(new NpgsqlParameter("owner", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = partials.Select(p => (object?)p.Owner ?? DBNull.Value).ToArray() });
        RollupRepository.AddRollupArrays(command, [.. partials.Select(p => p.Rollup)]);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest row id of each process that shipped, other than <paramref name="nodeId"/>.</summary>
    public async Task<Dictionary<string, long>> CursorsAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT node_id, max(id) FROM metric_partials WHERE node_id <> @me GROUP BY node_id", connection);
        command.Parameters.Add(new NpgsqlParameter<string>("me", nodeId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            cursors[reader.GetString(0)] = reader.GetInt64(1);
        }

        return cursors;
    }

    /// <summary>
    /// The rows of minutes from <paramref name="fromMinuteMs"/> on that the processes of
    /// <paramref name="cursors"/> shipped up to their cursor (a start: what the rollups do not
    /// hold yet).
    /// </summary>
    public Task<List<(string NodeId, long Id, MetricPartial Partial)>> ReadUpToAsync(IReadOnlyDictionary<string, long> cursors, long fromMinuteMs, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"""
            SELECT {Columns} FROM unnest(@nodes, @cursors) AS c(node_id, cursor)
            JOIN metric_partials p ON p.node_id = c.node_id AND p.id <= c.cursor
            WHERE p.minute_ms >= @from
            ORDER BY p.id
            """,
            cursors,
            command => command.Parameters.Add(new NpgsqlParameter<long>("from", fromMinuteMs)),
            cancellationToken);

    /// <summary>
    /// The rows past each cursor of <paramref name="cursors"/>, and all rows of the processes in
    /// <c>cluster_nodes</c> without a cursor (new ones), other than <paramref name="nodeId"/>'s;
    /// at most <paramref name="limit"/> a process, oldest first.
    /// </summary>
    public Task<List<(string NodeId, long Id, MetricPartial Partial)>> ReadAfterAsync(string nodeId, IReadOnlyDictionary<string, long> cursors, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(
            $"""
            WITH c AS (
                SELECT node_id, cursor FROM unnest(@nodes, @cursors) AS c(node_id, cursor)
                UNION ALL
                SELECT n.node_id, 0 FROM cluster_nodes n WHERE n.node_id <> @me AND NOT (n.node_id = ANY(@nodes))
            )
            SELECT {Columns} FROM c
            CROSS JOIN LATERAL (
                SELECT * FROM metric_partials p WHERE p.node_id = c.node_id AND p.id > c.cursor ORDER BY p.id LIMIT @limit
            ) p
            ORDER BY p.id
            """,
            cursors,
            command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>("me", nodeId));
                command.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
            },
            cancellationToken);

    /// <summary>Deletes the rows of the series of <paramref name="name"/> whose key <paramref name="matches"/>.</summary>
    public async Task<int> DeleteSeriesAsync(string name, Func<string, bool> matches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matches);
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        await using (var select = new NpgsqlCommand("SELECT DISTINCT series_key FROM metric_partials WHERE name = @name", connection))
        {
            select.Parameters.Add(new NpgsqlParameter<string>("name", name));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (matches(reader.GetString(0)))
                {
                    keys.Add(reader.GetString(0));
                }
            }
        }

        if (keys.Count == 0)
        {
            return 0;
        }

        await using var delete = new NpgsqlCommand("DELETE FROM metric_partials WHERE series_key = ANY(@keys)", connection);
        delete.Parameters.Add(new NpgsqlParameter<string[]>("keys", [.. keys]));
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the rows shipped before <paramref name="beforeMs"/>.</summary>
    public async Task<int> DeleteBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM metric_partials WHERE created_at < @before", connection);
        command.Parameters.Add(new NpgsqlParameter<long>("before", beforeMs));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<(string NodeId, long Id, MetricPartial Partial)>> QueryAsync(
        string sql, IReadOnlyDictionary<string, long> cursors, Action<NpgsqlCommand> addParameters, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]>("nodes", [.. cursors.Keys]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("cursors", [.. cursors.Values]));
        addParameters(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var row = new Row.ReaderRow(reader);
        var rows = new List<(string, long, MetricPartial)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((row.String(1), row.Int64(0), Read(row)));
        }

        return rows;
    }

    private static MetricPartial Read(Row row)
    {
        MetricTypeNames.TryParse(row.String(4), out var type);
        return new MetricPartial(
            row.String(2),
            row.String(3),
            type,
            row.IsNull(5) ? null : row.String(5),
            RollupRepository.ReadRollup(row, 6));
    }
}
