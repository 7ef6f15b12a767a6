using System.Data.Common;
using Dapper;

namespace Vigil.Storage.Monitors;

/// <summary>
/// Uptime monitors: their definitions, the state their checks leave, the checks themselves
/// (kept for a bounded time) and their counts by the hour (uptime over long periods without
/// keeping every check), and maintenance windows. Check results are written in batches: one
/// transaction holds many monitors' checks, their hourly counts and their states.
/// </summary>
public sealed class MonitorRepository
{
    private const string MonitorColumns =
        "id AS Id, name AS Name, type AS Type, enabled AS Enabled, interval_seconds AS IntervalSeconds, definition AS Definition, heartbeat_token AS HeartbeatToken, " +
        "created_at AS CreatedAtMs, updated_at AS UpdatedAtMs, version AS Version, status AS Status, status_since AS StatusSinceMs, consecutive_failures AS ConsecutiveFailures, " +
        "last_check_at AS LastCheckAtMs, last_response_ms AS LastResponseMs, last_error AS LastError, last_ping_at AS LastPingAtMs, certificate_expires_at AS CertificateExpiresAtMs";

    private const string CheckColumns =
        "id AS Id, monitor_id AS MonitorId, checked_at AS CheckedAtMs, status AS Status, response_ms AS ResponseMs, status_code AS StatusCode, error AS Error, maintenance AS Maintenance";

    private const long HourMs = 3_600_000;
    private const long DayMs = 86_400_000;

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public MonitorRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Every monitor, by name.</summary>
    public async Task<IReadOnlyList<StoredMonitor>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<MonitorRow>(new CommandDefinition(
            $"SELECT {MonitorColumns} FROM monitors ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>The monitor with this id, or null.</summary>
    public async Task<StoredMonitor?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<MonitorRow>(new CommandDefinition(
            $"SELECT {MonitorColumns} FROM monitors WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>Stores a new monitor; false when another has the same name.</summary>
    public async Task<bool> InsertAsync(StoredMonitor monitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO monitors (id, name, type, enabled, interval_seconds, definition, heartbeat_token, created_at, updated_at, version, consecutive_failures)
            VALUES (@Id, @Name, @Type, @Enabled, @IntervalSeconds, @Definition, @HeartbeatToken, @CreatedAtMs, @UpdatedAtMs, @Version, 0)
            ON CONFLICT (name) DO NOTHING
            """, Parameters(monitor), cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Replaces a monitor's definition when its stored version is <paramref name="expectedVersion"/>
    /// (the version goes up by one). A change of type or target starts its state afresh.
    /// </summary>
    /// <returns>The stored monitor, or null when it is gone or changed meanwhile; whether the name belongs to another monitor.</returns>
    public async Task<(StoredMonitor? Updated, bool NameTaken)> UpdateAsync(StoredMonitor monitor, long expectedVersion, bool resetState, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        await using (var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false))
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var taken = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM monitors WHERE name = @Name AND id <> @Id", new { monitor.Name, monitor.Id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (taken > 0)
            {
                return (null, true);
            }

            var reset = resetState ? ", status = NULL, status_since = NULL, consecutive_failures = 0, last_error = NULL, certificate_expires_at = NULL" : "";
            var parameters = Parameters(monitor);
            parameters.Add("expectedVersion", expectedVersion);
            var rows = await connection.ExecuteAsync(new CommandDefinition(
                $"""
                UPDATE monitors SET name = @Name, type = @Type, enabled = @Enabled, interval_seconds = @IntervalSeconds, definition = @Definition,
                    heartbeat_token = @HeartbeatToken, updated_at = @UpdatedAtMs, version = version + 1{reset}
                WHERE id = @Id AND version = @expectedVersion
                """, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (rows == 0)
            {
                return (null, false);
            }
        }

        return (await GetAsync(monitor.Id, cancellationToken).ConfigureAwait(false), false);
    }

    /// <summary>Deletes a monitor with its checks, counts and own maintenance windows; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in new[] { "monitor_checks", "monitor_uptime_hours", "maintenance_windows" })
        {
            await work.Connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {table} WHERE monitor_id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        var rows = await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM monitors WHERE id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>The monitor whose heartbeat token this is, or null.</summary>
    public async Task<StoredMonitor?> FindByTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<MonitorRow>(new CommandDefinition(
            $"SELECT {MonitorColumns} FROM monitors WHERE heartbeat_token = @token", new { token }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>Records a heartbeat of a monitor at <paramref name="atMs"/> (a later one already stored is kept).</summary>
    public async Task RecordPingAsync(string monitorId, long atMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitorId);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE monitors SET last_ping_at = @atMs WHERE id = @monitorId AND (last_ping_at IS NULL OR last_ping_at < @atMs)",
            new { monitorId, atMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores checks and the states they left, in one transaction: each check row, its monitor's
    /// count for the hour, and each monitor's state (monitors deleted meanwhile are skipped).
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<StoredCheck> checks, IReadOnlyList<(string MonitorId, MonitorStateRecord State)> states, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(states);
        if (checks.Count == 0 && states.Count == 0)
        {
            return;
        }

        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var known = (await work.Connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM monitors", transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var kept = checks.Where(c => known.Contains(c.MonitorId)).ToList();
        if (kept.Count > 0)
        {
            await work.Connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO monitor_checks (monitor_id, checked_at, status, response_ms, status_code, error, maintenance)
                VALUES (@MonitorId, @CheckedAtMs, @Status, @ResponseMs, @StatusCode, @Error, @maintenance)
                """,
                kept.Select(c => new { c.MonitorId, c.CheckedAtMs, c.Status, c.ResponseMs, c.StatusCode, c.Error, maintenance = c.Maintenance ? 1 : 0 }),
                work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var hours = kept.GroupBy(c => (c.MonitorId, Hour: c.CheckedAtMs / HourMs * HourMs)).Select(g => new
            {
                monitorId = g.Key.MonitorId,
                hour = g.Key.Hour,
                checks = (long)g.Count(),
                down = (long)g.Count(c => !c.Maintenance && c.Status == "down"),
                degraded = (long)g.Count(c => !c.Maintenance && c.Status == "degraded"),
                maintenance = (long)g.Count(c => c.Maintenance),
                responseSum = g.Where(c => c.ResponseMs is not null).Sum(c => c.ResponseMs!.Value),
                responseCount = (long)g.Count(c => c.ResponseMs is not null),
            });
            await work.Connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO monitor_uptime_hours (monitor_id, hour, checks, down, degraded, maintenance, response_ms_sum, response_count)
                VALUES (@monitorId, @hour, @checks, @down, @degraded, @maintenance, @responseSum, @responseCount)
                ON CONFLICT (monitor_id, hour) DO UPDATE SET
                    checks = monitor_uptime_hours.checks + excluded.checks, down = monitor_uptime_hours.down + excluded.down,
                    degraded = monitor_uptime_hours.degraded + excluded.degraded, maintenance = monitor_uptime_hours.maintenance + excluded.maintenance,
                    response_ms_sum = monitor_uptime_hours.response_ms_sum + excluded.response_ms_sum,
                    response_count = monitor_uptime_hours.response_count + excluded.response_count
                """, hours, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE monitors SET status = @Status, status_since = @StatusSinceMs, consecutive_failures = @ConsecutiveFailures, last_check_at = @LastCheckAtMs,
                last_response_ms = @LastResponseMs, last_error = @LastError, certificate_expires_at = @CertificateExpiresAtMs
            WHERE id = @MonitorId
            """,
            states.Where(s => known.Contains(s.MonitorId)).Select(s => new
            {
                s.MonitorId, s.State.Status, s.State.StatusSinceMs, s.State.ConsecutiveFailures, s.State.LastCheckAtMs, s.State.LastResponseMs, s.State.LastError, s.State.CertificateExpiresAtMs,
            }),
            work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A monitor's checks, newest first, older than the check <paramref name="beforeId"/> when given.</summary>
    public async Task<IReadOnlyList<StoredCheck>> ChecksAsync(string monitorId, long? beforeId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitorId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CheckRow>(new CommandDefinition(
            $"""
            SELECT {CheckColumns} FROM monitor_checks
            WHERE monitor_id = @monitorId AND (@beforeId IS NULL OR id < @beforeId)
            ORDER BY id DESC LIMIT @limit
            """, new { monitorId, beforeId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>The latest checks of every monitor, newest first (at most <paramref name="perMonitor"/> each).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<StoredCheck>>> RecentChecksAsync(int perMonitor, long sinceMs, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perMonitor);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CheckRow>(new CommandDefinition(
            $"""
            SELECT {CheckColumns} FROM (
                SELECT c.*, ROW_NUMBER() OVER (PARTITION BY monitor_id ORDER BY id DESC) AS n FROM monitor_checks c WHERE checked_at >= @sinceMs
            ) ranked WHERE n <= @perMonitor ORDER BY monitor_id, id DESC
            """, new { perMonitor, sinceMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToStored()).GroupBy(c => c.MonitorId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<StoredCheck>)[.. g], StringComparer.Ordinal);
    }

    /// <summary>
    /// Each monitor's checks since each of <paramref name="sinceMs"/> (counted by the hour: a
    /// period starts at the start of its first hour), maintenance left out.
    /// </summary>
    public Task<IReadOnlyDictionary<string, UptimeFigures[]>> UptimeAsync(IReadOnlyList<long> sinceMs, string? monitorId = null, CancellationToken cancellationToken = default) =>
        UptimeAsync(sinceMs, monitorId is null ? null : [monitorId], cancellationToken);

    /// <summary>
    /// <see cref="UptimeAsync(IReadOnlyList{long}, string?, CancellationToken)"/> of the monitors
    /// <paramref name="monitorIds"/> only (null: every monitor).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, UptimeFigures[]>> UptimeAsync(IReadOnlyList<long> sinceMs, IReadOnlyCollection<string>? monitorIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sinceMs);
        if (sinceMs.Count == 0 || monitorIds is { Count: 0 })
        {
            return new Dictionary<string, UptimeFigures[]>(StringComparer.Ordinal);
        }

        var columns = new List<string>();
        var parameters = new DynamicParameters();
        var onlyThese = "";
        if (monitorIds is not null)
        {
            parameters.Add("ids", monitorIds.ToArray());
            onlyThese = _database.Provider == StorageProvider.Postgres ? " AND monitor_id = ANY(@ids)" : " AND monitor_id IN @ids";
        }

        for (var i = 0; i < sinceMs.Count; i++)
        {
            parameters.Add($"h{i}", sinceMs[i] / HourMs * HourMs);
            columns.Add($"SUM(CASE WHEN hour >= @h{i} THEN checks - maintenance ELSE 0 END) AS c{i}");
            columns.Add($"SUM(CASE WHEN hour >= @h{i} THEN down ELSE 0 END) AS d{i}");
            columns.Add($"SUM(CASE WHEN hour >= @h{i} THEN response_ms_sum ELSE 0 END) AS s{i}");
            columns.Add($"SUM(CASE WHEN hour >= @h{i} THEN response_count ELSE 0 END) AS n{i}");
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var sql = $"""
            SELECT monitor_id, {string.Join(", ", columns)} FROM monitor_uptime_hours
            WHERE hour >= @h0min{onlyThese} GROUP BY monitor_id
            """;
        parameters.Add("h0min", sinceMs.Min() / HourMs * HourMs);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var result = new Dictionary<string, UptimeFigures[]>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var figures = new UptimeFigures[sinceMs.Count];
            for (var i = 0; i < sinceMs.Count; i++)
            {
                long Long(int ordinal) => reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
                var count = Long(1 + (4 * i) + 3);
                var sum = reader.IsDBNull(1 + (4 * i) + 2) ? 0 : Convert.ToDouble(reader.GetValue(1 + (4 * i) + 2), System.Globalization.CultureInfo.InvariantCulture);
                figures[i] = new UptimeFigures(Long(1 + (4 * i)), Long(1 + (4 * i) + 1), count == 0 ? null : Math.Round(sum / count, 1));
            }

            result[reader.GetString(0)] = figures;
        }

        return result;
    }

    /// <summary>
    /// The checks of each of <paramref name="monitorIds"/> by UTC day since <paramref name="sinceMs"/>
    /// (from the hourly counts: a day starts at midnight UTC), maintenance left out; days without
    /// checks are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<DailyUptime>>> DailyUptimeAsync(IReadOnlyCollection<string> monitorIds, long sinceMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitorIds);
        if (monitorIds.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<DailyUptime>>(StringComparer.Ordinal);
        }

        var inIds = _database.Provider == StorageProvider.Postgres ? "monitor_id = ANY(@ids)" : "monitor_id IN @ids";
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string MonitorId, long Day, long Checks, long Down)>(new CommandDefinition(
            $"""
            SELECT monitor_id, hour / {DayMs} AS day, CAST(SUM(checks - maintenance) AS bigint), CAST(SUM(down) AS bigint) FROM monitor_uptime_hours
            WHERE hour >= @since AND {inIds} GROUP BY monitor_id, hour / {DayMs} ORDER BY monitor_id, day
            """, new { since = sinceMs / HourMs * HourMs, ids = monitorIds.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.GroupBy(r => r.MonitorId, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => (IReadOnlyList<DailyUptime>)[.. g.Select(r => new DailyUptime(r.Day * DayMs, r.Checks, r.Down))], StringComparer.Ordinal);
    }

    /// <summary>Deletes checks older than <paramref name="checksBeforeMs"/> and hourly counts older than <paramref name="hoursBeforeMs"/>, and ended maintenance windows older than <paramref name="windowsBeforeMs"/>.</summary>
    /// <returns>The checks deleted.</returns>
    public async Task<int> PruneAsync(long checksBeforeMs, long hoursBeforeMs, long windowsBeforeMs, CancellationToken cancellationToken = default)
    {
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM monitor_checks WHERE checked_at < @checksBeforeMs", new { checksBeforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM monitor_uptime_hours WHERE hour < @hoursBeforeMs", new { hoursBeforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM maintenance_windows WHERE ends_at < @windowsBeforeMs", new { windowsBeforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Every maintenance window, latest start first.</summary>
    public async Task<IReadOnlyList<StoredMaintenance>> MaintenanceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<MaintenanceRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, monitor_id AS MonitorId, starts_at AS StartsAtMs, ends_at AS EndsAtMs, created_at AS CreatedAtMs FROM maintenance_windows ORDER BY starts_at DESC, id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredMaintenance(r.Id, r.Name, r.MonitorId, r.StartsAtMs, r.EndsAtMs, r.CreatedAtMs))];
    }

    /// <summary>Stores a maintenance window, or replaces the one with its id.</summary>
    public async Task SaveMaintenanceAsync(StoredMaintenance window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO maintenance_windows (id, name, monitor_id, starts_at, ends_at, created_at) VALUES (@Id, @Name, @MonitorId, @StartsAtMs, @EndsAtMs, @CreatedAtMs)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, monitor_id = excluded.monitor_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at
            """, window, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes a maintenance window; false when there is none.</summary>
    public async Task<bool> DeleteMaintenanceAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var turn = await _database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM maintenance_windows WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    private static DynamicParameters Parameters(StoredMonitor m)
    {
        var p = new DynamicParameters();
        p.Add("Id", m.Id);
        p.Add("Name", m.Name);
        p.Add("Type", m.Type);
        p.Add("Enabled", m.Enabled ? 1L : 0L);
        p.Add("IntervalSeconds", m.IntervalSeconds);
        p.Add("Definition", m.Definition);
        p.Add("HeartbeatToken", m.HeartbeatToken);
        p.Add("CreatedAtMs", m.CreatedAtMs);
        p.Add("UpdatedAtMs", m.UpdatedAtMs);
        p.Add("Version", m.Version);
        return p;
    }

    private sealed class MonitorRow
    {
        public string Id { get; set; } = "";

        public string Name { get; set; } = "";

        public string Type { get; set; } = "";

        public long Enabled { get; set; }

        public long IntervalSeconds { get; set; }

        public string Definition { get; set; } = "";

        public string? HeartbeatToken { get; set; }

        public long CreatedAtMs { get; set; }

        public long UpdatedAtMs { get; set; }

        public long Version { get; set; }

        public string? Status { get; set; }

        public long? StatusSinceMs { get; set; }

        public long ConsecutiveFailures { get; set; }

        public long? LastCheckAtMs { get; set; }

        public double? LastResponseMs { get; set; }

        public string? LastError { get; set; }

        public long? LastPingAtMs { get; set; }

        public long? CertificateExpiresAtMs { get; set; }

        public StoredMonitor ToStored() => new()
        {
            Id = Id,
            Name = Name,
            Type = Type,
            Enabled = Enabled != 0,
            IntervalSeconds = IntervalSeconds,
            Definition = Definition,
            HeartbeatToken = HeartbeatToken,
            CreatedAtMs = CreatedAtMs,
            UpdatedAtMs = UpdatedAtMs,
            Version = Version,
            LastPingAtMs = LastPingAtMs,
            State = new MonitorStateRecord(Status, StatusSinceMs, ConsecutiveFailures, LastCheckAtMs, LastResponseMs, LastError, CertificateExpiresAtMs),
        };
    }

    private sealed class CheckRow
    {
        public long Id { get; set; }

        public string MonitorId { get; set; } = "";

        public long CheckedAtMs { get; set; }

        public string Status { get; set; } = "";

        public double? ResponseMs { get; set; }

        public long? StatusCode { get; set; }

        public string? Error { get; set; }

        public long Maintenance { get; set; }

        public StoredCheck ToStored() => new(Id, MonitorId, CheckedAtMs, Status, ResponseMs, StatusCode, Error, Maintenance != 0);
    }

    private sealed class MaintenanceRow
    {
        public string Id { get; set; } = "";

        public string Name { get; set; } = "";

        public string? MonitorId { get; set; }

        public long StartsAtMs { get; set; }

        public long EndsAtMs { get; set; }

        public long CreatedAtMs { get; set; }
    }
}
