using Dapper;

namespace Vigil.Storage.Audit;

/// <summary>The audit log of admin changes: appended, read newest first, forgotten after its retention.</summary>
public sealed class AuditRepository
{
    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public AuditRepository(Database database) => _database = database;

    /// <summary>Appends an entry (its <see cref="AuditRecord.Id"/> is ignored).</summary>
    public async Task InsertAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_log (at, actor_id, actor_name, method, path, resource, resource_id, status, before_json, after_json)
            VALUES (@AtMs, @ActorId, @ActorName, @Method, @Path, @Resource, @ResourceId, @Status, @Before, @After)
            """, record, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The entries <paramref name="query"/> selects, newest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT id AS Id, at AS AtMs, actor_id AS ActorId, actor_name AS ActorName, method AS Method, path AS Path,
                   resource AS Resource, resource_id AS ResourceId, status AS Status, before_json AS Before, after_json AS After
            FROM audit_log
            WHERE (@FromMs IS NULL OR at >= @FromMs)
              AND (@ToMs IS NULL OR at < @ToMs)
              AND (@Actor IS NULL OR actor_id = @Actor OR actor_name = @Actor)
              AND (@Resource IS NULL OR resource = @Resource)
              AND (@BeforeId IS NULL OR id < @BeforeId)
            ORDER BY id DESC
            LIMIT @Limit
            """, query, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new AuditRecord(r.Id, r.AtMs, r.ActorId, r.ActorName, r.Method, r.Path, r.Resource, r.ResourceId, (int)r.Status, r.Before, r.After))];
    }

    /// <summary>Forgets the entries older than <paramref name="beforeMs"/>; returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM audit_log WHERE at < @beforeMs", new { beforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A row as the providers return it (SQLite's integers are 64-bit).</summary>
    private sealed class Row
    {
        public long Id { get; init; }

        public long AtMs { get; init; }

        public string ActorId { get; init; } = "";

        public string ActorName { get; init; } = "";

        public string Method { get; init; } = "";

        public string Path { get; init; } = "";

        public string Resource { get; init; } = "";

        public string? ResourceId { get; init; }

        public long Status { get; init; }

        public string? Before { get; init; }

        public string? After { get; init; }
    }
}
