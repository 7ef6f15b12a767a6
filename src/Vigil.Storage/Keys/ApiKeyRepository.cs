using Dapper;

namespace Vigil.Storage.Keys;

/// <summary>A stored API key (never the key itself: only its SHA-256 hash and a short prefix).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name given by the admin who created it.</param>
/// <param name="Role"><c>ingest</c>, <c>viewer</c> or <c>admin</c>.</param>
/// <param name="KeyHash">Lower-case hex SHA-256 of the key.</param>
/// <param name="KeyPrefix">The first characters of the key, to recognise it in a list.</param>
/// <param name="CreatedAtMs">Creation time, Unix ms.</param>
/// <param name="RevokedAtMs">Revocation time, Unix ms, or null while active.</param>
public sealed record ApiKeyRecord(string Id, string Name, string Role, string KeyHash, string KeyPrefix, long CreatedAtMs, long? RevokedAtMs);

/// <summary>Reads and writes API keys.</summary>
public sealed class ApiKeyRepository
{
    private const string Columns = "id AS Id, name AS Name, role AS Role, key_hash AS KeyHash, key_prefix AS KeyPrefix, created_at AS CreatedAtMs, revoked_at AS RevokedAtMs";
    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public ApiKeyRepository(Database database) => _database = database;

    /// <summary>Stores a new key; returns false when a key with the same hash exists.</summary>
    public async Task<bool> InsertAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_at, revoked_at)
            VALUES (@Id, @Name, @Role, @KeyHash, @KeyPrefix, @CreatedAtMs, @RevokedAtMs)
            ON CONFLICT (key_hash) DO NOTHING
            """, key, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    /// <summary>All keys, newest first, revoked ones included.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>The active key with this hash, or null.</summary>
    public async Task<ApiKeyRecord?> FindActiveByHashAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL",
            new { keyHash }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Number of active keys.</summary>
    public async Task<long> CountActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Revokes the active keys whose id starts with <paramref name="idPrefix"/> other than the one with <paramref name="keepHash"/>; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> RevokeOthersAsync(string idPrefix, string keepHash, long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var ids = await connection.QueryAsync<string>(new CommandDefinition(
            """
            UPDATE api_keys SET revoked_at = @nowMs
            WHERE id LIKE @pattern AND key_hash <> @keepHash AND revoked_at IS NULL
            RETURNING id
            """, new { pattern = idPrefix + "%", keepHash, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. ids];
    }

    /// <summary>Revokes a key; returns false when no active key has that id.</summary>
    public async Task<bool> RevokeAsync(string id, long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @nowMs WHERE id = @id AND revoked_at IS NULL",
            new { id, nowMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }
}
