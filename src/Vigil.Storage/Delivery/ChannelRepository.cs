using System.Data.Common;
using System.Globalization;
using Dapper;

namespace Vigil.Storage.Delivery;

/// <summary>Notification channels.</summary>
public sealed class ChannelRepository(Database database)
{
    private const string Columns = "id, name, type, enabled, max_concurrency, config, disabled_reason, created_at, updated_at, version";

    /// <summary>Stores a new channel; false when the name is taken.</summary>
    public async Task<bool> InsertAsync(StoredChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO channels ({Columns}) VALUES (@Id, @Name, @Type, @Enabled, @MaxConcurrency, @Config, @DisabledReason, @CreatedAtMs, @UpdatedAtMs, @Version)
            ON CONFLICT DO NOTHING
            """, channel, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return inserted == 1;
    }

    /// <summary>A channel by id, or null.</summary>
    public async Task<StoredChannel?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryAsync($"SELECT {Columns} FROM channels WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Every channel, by name.</summary>
    public Task<IReadOnlyList<StoredChannel>> ListAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM channels ORDER BY name", null, cancellationToken);

    /// <summary>Which of <paramref name="ids"/> exist.</summary>
    public async Task<HashSet<string>> ExistingAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        var all = await ListAsync(cancellationToken).ConfigureAwait(false);
        return [.. all.Select(c => c.Id).Intersect(ids, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Replaces a channel if it is still at <paramref name="expectedVersion"/>; returns the
    /// stored channel, or null when it changed meanwhile, is gone, or the new name is taken
    /// (NameTaken tells which).
    /// </summary>
    public async Task<(StoredChannel? Channel, bool NameTaken)> UpdateAsync(StoredChannel channel, int expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var taken = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM channels WHERE name = @Name AND id <> @Id", channel, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (taken > 0)
        {
            return (null, true);
        }

        var next = channel with { Version = expectedVersion + 1 };
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE channels SET name = @Name, type = @Type, enabled = @Enabled, max_concurrency = @MaxConcurrency, config = @Config,
                disabled_reason = @DisabledReason, updated_at = @UpdatedAtMs, version = @Version
            WHERE id = @Id AND version = @expectedVersion
            """,
            new { next.Id, next.Name, next.Type, next.Enabled, next.MaxConcurrency, next.Config, next.DisabledReason, next.UpdatedAtMs, next.Version, expectedVersion },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (updated == 1 ? await GetAsync(channel.Id, cancellationToken).ConfigureAwait(false) : null, false);
    }

    /// <summary>Disables a channel with a reason (Vigil's own decision, e.g. 410 Gone).</summary>
    public async Task<bool> DisableAsync(string id, string reason, long nowMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE channels SET enabled = @enabled, disabled_reason = @reason, updated_at = @nowMs, version = version + 1 WHERE id = @id",
            new { id, reason, nowMs, enabled = false }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>Deletes a channel; false when there is none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM channels WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    private async Task<IReadOnlyList<StoredChannel>> QueryAsync(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var list = new List<StoredChannel>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    private static StoredChannel Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Convert.ToBoolean(r.GetValue(3), CultureInfo.InvariantCulture), Convert.ToInt32(r.GetValue(4), CultureInfo.InvariantCulture),
        r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7), r.GetInt64(8), Convert.ToInt32(r.GetValue(9), CultureInfo.InvariantCulture));
}
