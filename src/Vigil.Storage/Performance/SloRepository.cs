using Dapper;

namespace Vigil.Storage.Performance;

/// <summary>Service-level objectives: definitions (JSON), their last status (JSON), and good and total events by the hour.</summary>
public sealed class SloRepository
{
    private const string Columns = "id AS Id, name AS Name, definition AS Definition, status AS Status, created_at AS CreatedAtMs, updated_at AS UpdatedAtMs";

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public SloRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Every objective, by name.</summary>
    public async Task<IReadOnlyList<StoredSlo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM slos ORDER BY name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>The objective with this id, or null.</summary>
    public async Task<StoredSlo?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"SELECT {Columns} FROM slos WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToStored();
    }

    /// <summary>Stores a new objective; false when another has the same name.</summary>
    public async Task<bool> InsertAsync(StoredSlo slo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slo);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO slos (id, name, definition, status, created_at, updated_at) VALUES (@Id, @Name, @Definition, NULL, @CreatedAtMs, @UpdatedAtMs)
            ON CONFLICT (name) DO NOTHING
            """, slo, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <summary>Replaces an objective's definition (its hourly counts start over: they counted the old one); null when there is none, false when another has the new name.</summary>
    public async Task<bool?> ReplaceAsync(string id, string name, string definition, long updatedAtMs, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var exists = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM slos WHERE id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (exists == 0)
        {
            return null;
        }

        var clash = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM slos WHERE name = @name AND id <> @id", new { id, name }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (clash > 0)
        {
            return false;
        }

        await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE slos SET name = @name, definition = @definition, status = NULL, updated_at = @updatedAtMs WHERE id = @id",
            new { id, name, definition, updatedAtMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM slo_hours WHERE slo_id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes an objective and its counts; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM slo_hours WHERE slo_id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var deleted = await work.Connection.ExecuteAsync(new CommandDefinition("DELETE FROM slos WHERE id = @id", new { id }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted == 1;
    }

    /// <summary>Sets an objective's status (JSON) if its definition is still the one <paramref name="updatedAtMs"/> names.</summary>
    public async Task SetStatusAsync(string id, long updatedAtMs, string status, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE slos SET status = @status WHERE id = @id AND updated_at = @updatedAtMs", new { id, updatedAtMs, status }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The hourly counts of one objective in [<paramref name="fromMs"/>, <paramref name="toMs"/>), oldest first.</summary>
    public async Task<IReadOnlyList<(long HourMs, double Good, double Total)>> HoursAsync(string id, long fromMs, long toMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long, double, double)>(new CommandDefinition(
            "SELECT hour_ms, good, total FROM slo_hours WHERE slo_id = @id AND hour_ms >= @fromMs AND hour_ms < @toMs ORDER BY hour_ms",
            new { id, fromMs, toMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>Stores hourly counts (replacing those of the same hours).</summary>
    public async Task SaveHoursAsync(string id, IReadOnlyList<(long HourMs, double Good, double Total)> hours, CancellationToken cancellationToken = default)
    {
        if (hours.Count == 0)
        {
            return;
        }

        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO slo_hours (slo_id, hour_ms, good, total) VALUES (@id, @HourMs, @Good, @Total)
            ON CONFLICT (slo_id, hour_ms) DO UPDATE SET good = excluded.good, total = excluded.total
            """, hours.Select(h => new { id, h.HourMs, h.Good, h.Total }), work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string Name { get; set; } = "";

        public string Definition { get; set; } = "";

        public string? Status { get; set; }

        public long CreatedAtMs { get; set; }

        public long UpdatedAtMs { get; set; }

        public StoredSlo ToStored() => new(Id, Name, Definition, Status, CreatedAtMs, UpdatedAtMs);
    }
}

/// <summary>An objective as stored.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Definition">Its definition (JSON).</param>
/// <param name="Status">Its last status (JSON), or null before the tracker's first pass over it.</param>
/// <param name="CreatedAtMs">When it was created (0 for the defaults).</param>
/// <param name="UpdatedAtMs">When its definition last changed.</param>
public sealed record StoredSlo(string Id, string Name, string Definition, string? Status, long CreatedAtMs, long UpdatedAtMs);
