using System.Data.Common;
using System.Runtime.InteropServices;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Vigil.Core;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>
/// Persists series and their 1-minute rollups: bulk upserts (unnest on PostgreSQL, one prepared
/// statement in one transaction on SQLite), reads for restore and history queries, retention.
/// </summary>
public sealed class RollupRepository
{
    private const string RollupColumns = "r.series_id, r.minute_ms, r.count, r.sum, r.min, r.max, r.last, r.last_offset_ms, r.bins";
    private const string RollupColumnsWithoutBins = "r.series_id, r.minute_ms, r.count, r.sum, r.min, r.max, r.last, r.last_offset_ms, NULL AS bins";

    /// <summary>
    /// The rollups of metric <c>@name</c> in [<c>@fromMs</c>, <c>@toMs</c>): a primary-key range per
    /// series of the metric, in key order. (A join on <c>series.name</c> let SQLite walk the minute
    /// index instead — every metric's rollups in the range, each looked up again and sorted: 10× slower
    /// for one metric's hour among 10 000 series.)
    /// </summary>
    private const string OfMetricBetween = "r.series_id IN (SELECT id FROM series WHERE name = @name) AND r.minute_ms >= @fromMs AND r.minute_ms < @toMs";

    private const long HourMs = 3_600_000;

    private readonly Database _database;
    private readonly TimeProvider _time;

    /// <summary>Creates the repository; <paramref name="time"/> (default: the system clock) tells which writes are late.</summary>
    public RollupRepository(Database database, TimeProvider? time = null)
    {
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// How long after an hour ends its rollups are still written as on time (the in-memory minutes are
    /// flushed within seconds of closing); a rollup of an hour written later marks the hour late
    /// (<see cref="LateHoursAsync"/>). Readers that take an hour as complete wait longer than this
    /// after it ends, so a write that is not marked has committed before they read.
    /// </summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(1);

    /// <summary>Creates the series that do not exist yet; returns the ids of all of them by key.</summary>
    public Task<IReadOnlyDictionary<string, long>> EnsureSeriesAsync(IReadOnlyCollection<(string Key, string Name, MetricType Type)> series, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(series);
        return EnsureSeriesAsync([.. series.Select(s => (s.Key, s.Name, s.Type, (string?)null))], nowMs, cancellationToken);
    }

    /// <summary>
    /// Creates the series that do not exist yet, owned by the given API key ids; a series that
    /// exists takes the owner given here when one is (the key whose batch created it in memory
    /// again). Returns the ids of all of them by key.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> EnsureSeriesAsync(IReadOnlyCollection<(string Key, string Name, MetricType Type, string? Owner)> series, long nowMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(series);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        if (series.Count == 0)
        {
            return ids;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (connection is NpgsqlConnection pg)
        {
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO series (series_key, name, type, created_at, owner_key_id)
                SELECT k, n, t, @now, o FROM unnest(@keys, @names, @types, @owners) AS s(k, n, t, o)
                ON CONFLICT (series_key) DO UPDATE SET owner_key_id = COALESCE(excluded.owner_key_id, series.owner_key_id);
                SELECT id, series_key FROM series WHERE series_key = ANY(@keys);
                """, pg);
            command.Parameters.Add(new NpgsqlParameter<string[]>("keys", [.. series.Select(s => s.Key)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("names", [.. series.Select(s => s.Name)]));
            command.Parameters.Add(new NpgsqlParameter<string[]>("types", [.. series.Select(s => s.Type.ToWire())]));
            command.Parameters.Add(new NpgsqlParameter("owners", NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                Value = series.Select(s => (object?)s.Owner ?? DBNull.Value).ToArray(),
            });
            command.Parameters.Add(new NpgsqlParameter<long>("now", nowMs));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids[reader.GetString(1)] = reader.GetInt64(0);
            }

            return ids;
        }

        var sqlite = (SqliteConnection)connection;
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await sqlite.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = sqlite.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText =
            """
            INSERT INTO series (series_key, name, type, created_at, owner_key_id) VALUES ($key, $name, $type, $now, $owner)
            ON CONFLICT (series_key) DO UPDATE SET owner_key_id = COALESCE(excluded.owner_key_id, series.owner_key_id)
            RETURNING id
            """;
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var owner = insert.Parameters.Add("$owner", SqliteType.Text);
        insert.Parameters.AddWithValue("$now", nowMs);
        foreach (var s in series)
        {
            key.Value = s.Key;
            name.Value = s.Name;
            type.Value = s.Type.ToWire();
            owner.Value = (object?)s.Owner ?? DBNull.Value;
            ids[s.Key] = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    /// <summary>Writes rollups, replacing any stored for the same series and minute.</summary>
    public Task UpsertAsync(IReadOnlyList<StoredRollup> rollups, CancellationToken cancellationToken = default) =>
        WriteAsync(rollups, merge: false, cancellationToken);

    /// <summary>Writes rollups, merging each with any stored for the same series and minute (late points).</summary>
    public Task MergeAsync(IReadOnlyList<StoredRollup> rollups, CancellationToken cancellationToken = default) =>
        WriteAsync(rollups, merge: true, cancellationToken);

    /// <summary>The series that have rollups at or after <paramref name="fromMs"/>.</summary>
    public async Task<IReadOnlyList<StoredSeries>> SeriesSinceAsync(long fromMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StoredSeries>(new CommandDefinition(
            """
            SELECT s.id AS Id, s.series_key AS Key, s.name AS Name, s.type AS Type, s.owner_key_id AS Owner FROM series s
            WHERE EXISTS (SELECT 1 FROM rollups_1m r WHERE r.series_id = s.id AND r.minute_ms >= @fromMs)
            """, new { fromMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>All rollups in [<paramref name="fromMs"/>, <paramref name="toMs"/>), of every series.</summary>
    public Task<IReadOnlyList<StoredRollup>> ReadAsync(long fromMs, long toMs, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {RollupColumns} FROM rollups_1m r WHERE r.minute_ms >= @fromMs AND r.minute_ms < @toMs ORDER BY r.series_id, r.minute_ms",
            new { fromMs, toMs }, cancellationToken);

    /// <summary>The rollups of one metric name in [<paramref name="fromMs"/>, <paramref name="toMs"/>), with their series.</summary>
    public Task<IReadOnlyList<(StoredSeries Series, Rollup Rollup)>> ReadMetricAsync(string name, long fromMs, long toMs, CancellationToken cancellationToken = default) =>
        ReadMetricAsync(name, fromMs, toMs, withBins: true, cancellationToken);

    /// <summary>
    /// The rollups of one metric name in [<paramref name="fromMs"/>, <paramref name="toMs"/>), with
    /// their series; without <paramref name="withBins"/>, without their sketch bins (null: for what
    /// reads no quantile; on the detection corpus a third of a rule backtest's reading was the bins).
    /// </summary>
    public async Task<IReadOnlyList<(StoredSeries Series, Rollup Rollup)>> ReadMetricAsync(string name, long fromMs, long toMs, bool withBins, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var series = (await connection.QueryAsync<StoredSeries>(new CommandDefinition(
            "SELECT id AS Id, series_key AS Key, name AS Name, type AS Type, owner_key_id AS Owner FROM series WHERE name = @name",
            new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(s => s.Id);
        var rollups = await QueryAsync(
            $"SELECT {(withBins ? RollupColumns : RollupColumnsWithoutBins)} FROM rollups_1m r WHERE {OfMetricBetween} ORDER BY r.series_id, r.minute_ms",
            new { name, fromMs, toMs }, cancellationToken).ConfigureAwait(false);
        return [.. rollups.Select(r => (series[r.SeriesId], r.Rollup))];
    }

    /// <summary>The rollups of one series in [<paramref name="fromMs"/>, <paramref name="toMs"/>), oldest first: a primary-key range.</summary>
    public Task<IReadOnlyList<StoredRollup>> ReadSeriesAsync(long seriesId, long fromMs, long toMs, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {RollupColumns} FROM rollups_1m r WHERE r.series_id = @seriesId AND r.minute_ms >= @fromMs AND r.minute_ms < @toMs ORDER BY r.minute_ms",
            new { seriesId, fromMs, toMs }, cancellationToken);

    /// <summary>The first minute at or after <paramref name="fromMs"/> with a rollup of metric <paramref name="name"/>, or null when there is none.</summary>
    public async Task<long?> FirstMinuteAsync(string name, long fromMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            // One primary-key probe per series of the metric, however many rollups other metrics have.
            "SELECT MIN((SELECT MIN(r.minute_ms) FROM rollups_1m r WHERE r.series_id = s.id AND r.minute_ms >= @fromMs)) FROM series s WHERE s.name = @name",
            new { name, fromMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The stored series of one metric name (with or without rollups).</summary>
    public async Task<IReadOnlyList<StoredSeries>> SeriesOfMetricAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StoredSeries>(new CommandDefinition(
            "SELECT id AS Id, series_key AS Key, name AS Name, type AS Type, owner_key_id AS Owner FROM series WHERE name = @name ORDER BY id",
            new { name }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>Deletes series and all their rollups, in one transaction; returns how many series were deleted.</summary>
    public async Task<int> DeleteSeriesAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return 0;
        }

        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        foreach (var chunk in ids.Chunk(500))
        {
            var args = new { ids = chunk };
            await connection.ExecuteAsync(new CommandDefinition(
                connection is NpgsqlConnection ? "DELETE FROM rollups_1m WHERE series_id = ANY(@ids)" : "DELETE FROM rollups_1m WHERE series_id IN @ids",
                args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            deleted += await connection.ExecuteAsync(new CommandDefinition(
                connection is NpgsqlConnection ? "DELETE FROM series WHERE id = ANY(@ids)" : "DELETE FROM series WHERE id IN @ids",
                args, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>
    /// How many rollup rows <see cref="ReadMetricAsync(string, long, long, bool, CancellationToken)"/> would read for the same arguments,
    /// counting no further than <paramref name="limit"/>: a query's cost is checked before its
    /// rows are read, and the check itself stays bounded.
    /// </summary>
    public async Task<long> CountMetricRowsAsync(string name, long fromMs, long toMs, long limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0 || fromMs >= toMs)
        {
            return 0;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"""
            SELECT COUNT(*) FROM (
                SELECT 1 FROM rollups_1m r WHERE {OfMetricBetween}
                LIMIT @limit) AS capped
            """,
            new { name, fromMs, toMs, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes rollups older than <paramref name="beforeMs"/>; returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM rollups_1m WHERE minute_ms < @beforeMs", new { beforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    internal static byte[]? ToBytes(uint[]? bins) =>
        bins is null ? null : MemoryMarshal.AsBytes(bins.AsSpan()).ToArray();

    /// <summary>The rollups <paramref name="sql"/> selects (<see cref="RollupColumns"/>) with <paramref name="parameters"/>.</summary>
    private async Task<IReadOnlyList<StoredRollup>> QueryAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Row.ReadAsync(connection, sql, parameters, ReadStoredRollup, cancellationToken).ConfigureAwait(false);
    }

    private static StoredRollup ReadStoredRollup(Row row) => new(row.Int64(0), ReadRollup(row, 1));

    // Rows written before values were bounded can hold ±Infinity (or NaN, which SQLite stores
    // as NULL): read them as the nearest finite value so such a database still answers.
    private static double ReadFinite(Row row, int column) =>
        row.IsNull(column) ? 0 : FiniteValues.Finite(row.Double(column));

    private async Task WriteAsync(IReadOnlyList<StoredRollup> rollups, bool merge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rollups);
        if (rollups.Count == 0)
        {
            return;
        }

        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<StoredRollup> toWrite;
        if (connection is NpgsqlConnection pg)
        {
            // Merging adds to the stored row in the statement itself: processes sharing the
            // database may merge into the same minute at once.
            toWrite = merge ? CombineDuplicates(rollups) : rollups;
            await UpsertPostgresAsync(pg, (NpgsqlTransaction)transaction, toWrite, add: merge, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            toWrite = merge ? await MergeWithStoredAsync(connection, transaction, rollups, cancellationToken).ConfigureAwait(false) : rollups;
            await UpsertSqliteAsync((SqliteConnection)connection, (SqliteTransaction)transaction, toWrite, cancellationToken).ConfigureAwait(false);
        }

        await MarkLateAsync(connection, transaction, toWrite, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The hours before <paramref name="beforeMs"/> with rollups written late and how many late
    /// writes each had (pass that to <see cref="ClearLateHoursAsync"/> once the hour is read again).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, long>> LateHoursAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long HourMs, long Marks)>(new CommandDefinition(
            "SELECT hour_ms, marks FROM late_rollup_hours WHERE hour_ms < @beforeMs ORDER BY hour_ms", new { beforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.HourMs, r => r.Marks);
    }

    /// <summary>Clears the late marks of hours read again, each only if it still has the late writes seen (one written since stays).</summary>
    public async Task ClearLateHoursAsync(IReadOnlyDictionary<long, long> seen, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seen);
        if (seen.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM late_rollup_hours WHERE hour_ms = @HourMs AND marks = @Marks",
            seen.Select(m => new { HourMs = m.Key, Marks = m.Value }), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Marks the hours of <paramref name="written"/> that ended more than <see cref="LateAfter"/> ago.</summary>
    private async Task MarkLateAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoredRollup> written, CancellationToken cancellationToken)
    {
        var completeBeforeMs = FloorDivision.Of((_time.GetUtcNow() - LateAfter).ToUnixTimeMilliseconds(), HourMs) * HourMs;
        var late = written.Where(r => r.Rollup.MinuteStartMs < completeBeforeMs).Select(r => FloorDivision.Of(r.Rollup.MinuteStartMs, HourMs) * HourMs).Distinct().ToArray();
        if (late.Length == 0)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO late_rollup_hours (hour_ms, marks) VALUES (@hourMs, 1)
            ON CONFLICT (hour_ms) DO UPDATE SET marks = late_rollup_hours.marks + 1
            """, late.Select(hourMs => new { hourMs }), transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    // One rollup per series and minute (an upsert may not touch a row twice).
    private static List<StoredRollup> CombineDuplicates(IReadOnlyList<StoredRollup> rollups)
    {
        var merged = new Dictionary<(long, long), Rollup>();
        foreach (var item in rollups)
        {
            var key = (item.SeriesId, item.Rollup.MinuteStartMs);
            merged[key] = merged.TryGetValue(key, out var existing) ? existing.Merge(item.Rollup) : item.Rollup;
        }

        return [.. merged.Select(m => new StoredRollup(m.Key.Item1, m.Value))];
    }

    private static async Task<IReadOnlyList<StoredRollup>> MergeWithStoredAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoredRollup> rollups, CancellationToken cancellationToken)
    {
        // Combine duplicates within the batch first, then with what is stored.
        var merged = CombineDuplicates(rollups).ToDictionary(r => (r.SeriesId, r.Rollup.MinuteStartMs), r => r.Rollup);

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {RollupColumns} FROM rollups_1m r WHERE r.series_id = @sid AND r.minute_ms = @minute";
        var sid = command.CreateParameter();
        sid.ParameterName = "sid";
        command.Parameters.Add(sid);
        var minute = command.CreateParameter();
        minute.ParameterName = "minute";
        command.Parameters.Add(minute);
        var result = new List<StoredRollup>(merged.Count);
        foreach (var ((seriesId, minuteMs), rollup) in merged)
        {
            sid.Value = seriesId;
            minute.Value = minuteMs;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var combined = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadStoredRollup(new Row.ReaderRow(reader)).Rollup.Merge(rollup) : rollup;
            result.Add(new StoredRollup(seriesId, combined));
        }

        return result;
    }

    private static async Task UpsertPostgresAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<StoredRollup> rollups, bool add, CancellationToken cancellationToken)
    {
        // Adding: the same as Rollup.Merge (bins are packed entries: joined, the reader adds them up).
        const string Replace = """
            count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
            last = excluded.last, last_offset_ms = excluded.last_offset_ms, bins = excluded.bins
            """;
        const string Add = """
            count = rollups_1m.count + excluded.count, sum = rollups_1m.sum + excluded.sum,
            min = least(rollups_1m.min, excluded.min), max = greatest(rollups_1m.max, excluded.max),
            last = CASE WHEN excluded.last_offset_ms >= rollups_1m.last_offset_ms THEN excluded.last ELSE rollups_1m.last END,
            last_offset_ms = greatest(rollups_1m.last_offset_ms, excluded.last_offset_ms),
            bins = CASE WHEN rollups_1m.bins IS NULL THEN excluded.bins WHEN excluded.bins IS NULL THEN rollups_1m.bins ELSE rollups_1m.bins || excluded.bins END
            """;
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO rollups_1m (series_id, minute_ms, count, sum, min, max, last, last_offset_ms, bins)
            SELECT * FROM unnest(@sid, @minute, @count, @sum, @min, @max, @last, @offset, @bins)
            ON CONFLICT (series_id, minute_ms) DO UPDATE SET {(add ? Add : Replace)}
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long[]>("sid", [.. rollups.Select(r => r.SeriesId)]));
        AddRollupArrays(command, [.. rollups.Select(r => r.Rollup)]);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the columns of <paramref name="rollups"/> as arrays for an <c>unnest</c>: <c>@minute</c>,
    /// <c>@count</c>, <c>@sum</c>, <c>@min</c>, <c>@max</c>, <c>@last</c>, <c>@offset</c>, <c>@bins</c>
    /// (PostgreSQL; the stored rollups and the shipments between processes).
    /// </summary>
    internal static void AddRollupArrays(NpgsqlCommand command, IReadOnlyList<Rollup> rollups)
    {
        command.Parameters.Add(new NpgsqlParameter<long[]>("minute", [.. rollups.Select(r => r.MinuteStartMs)]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("count", [.. rollups.Select(r => r.Count)]));
        command.Parameters.Add(new NpgsqlParameter<double[]>("sum", [.. rollups.Select(r => r.Sum)]));
        command.Parameters.Add(new NpgsqlParameter<double[]>("min", [.. rollups.Select(r => r.Min)]));
        command.Parameters.Add(new NpgsqlParameter<double[]>("max", [.. rollups.Select(r => r.Max)]));
        command.Parameters.Add(new NpgsqlParameter<double[]>("last", [.. rollups.Select(r => r.Last)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("offset", [.. rollups.Select(r => r.LastOffsetMs)]));
        command.Parameters.Add(new NpgsqlParameter("bins", NpgsqlDbType.Array | NpgsqlDbType.Bytea)
        {
            Value = rollups.Select(r => (object?)ToBytes(r.Bins) ?? DBNull.Value).ToArray(),
        });
    }

    /// <summary>
    /// Reads a rollup from the columns minute, count, sum, min, max, last, last offset and bins,
    /// in that order from <paramref name="first"/>.
    /// </summary>
    internal static Rollup ReadRollup(Row row, int first) => new(
        row.Int64(first),
        row.Int64(first + 1),
        ReadFinite(row, first + 2),
        ReadFinite(row, first + 3),
        ReadFinite(row, first + 4),
        ReadFinite(row, first + 5),
        (int)row.Int64(first + 6),
        row.Bins(first + 7));

    private static async Task UpsertSqliteAsync(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<StoredRollup> rollups, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            """
            INSERT INTO rollups_1m (series_id, minute_ms, count, sum, min, max, last, last_offset_ms, bins)
            VALUES ($sid, $minute, $count, $sum, $min, $max, $last, $offset, $bins)
            ON CONFLICT (series_id, minute_ms) DO UPDATE SET
                count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
                last = excluded.last, last_offset_ms = excluded.last_offset_ms, bins = excluded.bins
            """;
        var sid = command.Parameters.Add("$sid", SqliteType.Integer);
        var minute = command.Parameters.Add("$minute", SqliteType.Integer);
        var count = command.Parameters.Add("$count", SqliteType.Integer);
        var sum = command.Parameters.Add("$sum", SqliteType.Real);
        var min = command.Parameters.Add("$min", SqliteType.Real);
        var max = command.Parameters.Add("$max", SqliteType.Real);
        var last = command.Parameters.Add("$last", SqliteType.Real);
        var offset = command.Parameters.Add("$offset", SqliteType.Integer);
        var bins = command.Parameters.Add("$bins", SqliteType.Blob);
        foreach (var (seriesId, rollup) in rollups)
        {
            sid.Value = seriesId;
            minute.Value = rollup.MinuteStartMs;
            count.Value = rollup.Count;
            sum.Value = rollup.Sum;
            min.Value = rollup.Min;
            max.Value = rollup.Max;
            last.Value = rollup.Last;
            offset.Value = rollup.LastOffsetMs;
            bins.Value = (object?)ToBytes(rollup.Bins) ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
