using Dapper;

namespace Vigil.Storage.Keys;

/// <summary>Reads and writes API keys.</summary>
public sealed class ApiKeyRepository
{
    private const string Columns = "id AS Id, name AS Name, role AS Role, key_hash AS KeyHash, key_prefix AS KeyPrefix, created_at AS CreatedAtMs, revoked_at AS RevokedAtMs, series_quota AS SeriesQuota, points_per_second_quota AS PointsPerSecondQuota";
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
            INSERT INTO api_keys (id, name, role, key_hash, key_prefix, created_at, revoked_at, series_quota, points_per_second_quota)
            VALUES (@Id, @Name, @Role, @KeyHash, @KeyPrefix, @CreatedAtMs, @RevokedAtMs, @SeriesQuota, @PointsPerSecondQuota)
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

    /// <summary>Every active key, by hash.</summary>
    public async Task<IReadOnlyDictionary<string, ApiKeyRecord>> ActiveByHashAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE revoked_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(k => k.KeyHash, StringComparer.Ordinal);
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
