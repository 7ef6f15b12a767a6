using Dapper;

namespace Vigil.Storage.Delivery;

/// <summary>
/// Notifications waiting for a channel's digest: a channel that batches warnings and info
/// collects their intent keys per window, and one digest job per window sends them together.
/// </summary>
public sealed class DigestRepository(Database database)
{
    /// <summary>Adds intents to a channel's window, inside the caller's transaction (with the digest job).</summary>
    public static async Task AddAsync(UnitOfWork work, string channelId, long windowStartMs, IEnumerable<string> intentKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(intentKeys);
        foreach (var intentKey in intentKeys)
        {
            await work.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO digest_items (channel_id, window_start, intent_key) VALUES (@channelId, @windowStartMs, @intentKey) ON CONFLICT DO NOTHING",
                new { channelId, windowStartMs, intentKey }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>The intent keys of a channel's window, in the order they came.</summary>
    public async Task<IReadOnlyList<string>> ItemsAsync(string channelId, long windowStartMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT intent_key FROM digest_items WHERE channel_id = @channelId AND window_start = @windowStartMs ORDER BY intent_key",
            new { channelId, windowStartMs }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>Forgets windows that started before <paramref name="beforeMs"/> (their digests were sent or gave up).</summary>
    public async Task<int> DeleteBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM digest_items WHERE window_start < @beforeMs", new { beforeMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
