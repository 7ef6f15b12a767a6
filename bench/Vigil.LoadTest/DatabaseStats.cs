using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Vigil.LoadTest;

/// <summary>
/// The bench database's counters at one moment: <c>pg_stat_database</c> (transactions, tuples),
/// <c>pg_stat_user_tables</c> for <c>metric_partials</c> and <c>rollups_1m</c> (rows inserted,
/// updated, deleted), the CPU time of the PostgreSQL backends serving it (from /proc, by the pids
/// of <c>pg_stat_activity</c>), and Redis's <c>total_commands_processed</c> when one is used.
/// PostgreSQL publishes its counters up to a second late, at both ends of a window alike.
/// </summary>
internal sealed record DatabaseStats(
    long Commits,
    long Inserted,
    long Updated,
    long Fetched,
    long Returned,
    long PartialsInserted,
    long PartialsDeleted,
    long RollupsInserted,
    long RollupsUpdated,
    IReadOnlyDictionary<int, TimeSpan> BackendCpu,
    long? RedisCommands)
{
    public static async Task<DatabaseStats> ReadAsync(string connectionString, string? redis, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var clear = new NpgsqlCommand("SELECT pg_stat_clear_snapshot()", connection))
        {
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("""
            SELECT d.xact_commit, d.tup_inserted, d.tup_updated, d.tup_fetched, d.tup_returned,
                   coalesce((SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'metric_partials'), 0),
                   coalesce((SELECT n_tup_del FROM pg_stat_user_tables WHERE relname = 'metric_partials'), 0),
                   coalesce((SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'rollups_1m'), 0),
                   coalesce((SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'rollups_1m'), 0),
                   (SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid())
            FROM pg_stat_database d WHERE d.datname = current_database()
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var cpu = new Dictionary<int, TimeSpan>();
        foreach (var pid in reader.GetFieldValue<int[]>(9))
        {
            if (new ServerProcess(pid).TryReadCpuTime() is { } time)
            {
                cpu[pid] = time;
            }
        }

        return new DatabaseStats(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
            reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
            cpu,
            redis is null ? null : await RedisCommandsAsync(redis, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// CPU the backends used between two snapshots: for a backend seen at both, the difference; for one
    /// that appeared in between, all it used (a little before the window too).
    /// </summary>
    public static TimeSpan BackendCpuBetween(DatabaseStats before, DatabaseStats after) =>
        after.BackendCpu.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.Value - before.BackendCpu.GetValueOrDefault(b.Key));

    // INFO stats over RESP, inline form; host:port.
    private static async Task<long?> RedisCommandsAsync(string endpoint, CancellationToken cancellationToken)
    {
        var hostPort = endpoint.Split(',')[0];
        var colon = hostPort.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(hostPort[..colon], int.Parse(hostPort[(colon + 1)..], CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync("INFO stats\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        var buffer = new byte[16384];
        var text = new StringBuilder();
        while (!text.ToString().Contains("total_commands_processed:", StringComparison.Ordinal) || !text.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var line = text.ToString().Split("\r\n").FirstOrDefault(l => l.StartsWith("total_commands_processed:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line["total_commands_processed:".Length..], CultureInfo.InvariantCulture);
    }
}
