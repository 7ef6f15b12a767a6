using Dapper;

namespace Vigil.Storage.Secrets;

/// <summary>
/// The Data Protection key ring, in the database, so every process on a shared PostgreSQL
/// decrypts what another encrypted, and a restored backup brings its keys along. The secret part
/// of each key is encrypted before it gets here (<see cref="KeyRingStartup"/>, <see cref="MasterKeyXmlEncryptor"/>).
/// </summary>
public sealed class DataProtectionKeyStore(Database database)
{
    /// <summary>Every stored key element (XML).</summary>
    public IReadOnlyList<string> All()
    {
        // Data Protection's key repository contract is synchronous.
        using var connection = database.OpenAsync().AsTask().GetAwaiter().GetResult();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name")];
    }

    /// <summary>Stores a key element under its friendly name (names are unique; a repeat is ignored).</summary>
    public void Store(string name, string xml, long nowMs)
    {
        using var connection = database.OpenAsync().AsTask().GetAwaiter().GetResult();
        connection.Execute(
            "INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @nowMs) ON CONFLICT (name) DO NOTHING",
            new { name, xml, nowMs });
    }

    /// <summary>Every stored key element with its name, oldest first.</summary>
    public async Task<IReadOnlyList<DataProtectionKeyRow>> RowsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<DataProtectionKeyRow>(
            new CommandDefinition("SELECT name AS Name, xml AS Xml FROM data_protection_keys ORDER BY created_at, name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>
    /// Re-writes key elements in one transaction: all or none. A row whose XML is no longer the
    /// expected one (another process re-wrote it) fails the whole change.
    /// </summary>
    /// <returns>Whether every row was re-written.</returns>
    public async Task<bool> RewriteAsync(IReadOnlyList<DataProtectionKeyRewrite> rewrites, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rewrites);
        await using var turn = await database.WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var rewrite in rewrites)
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE data_protection_keys SET xml = @Xml WHERE name = @Name AND xml = @ExpectedXml", rewrite, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (changed != 1)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
