using Dapper;

namespace Vigil.Storage.Coordination;

/// <summary>
/// A lock held across the processes sharing a database for as long as the caller keeps it:
/// on PostgreSQL a transaction-scoped advisory lock on a connection of its own (released when
/// disposed, or when the process dies); on SQLite, which one process uses by design, nothing.
/// </summary>
public static class SharedLock
{
    /// <summary>Waits for the lock named <paramref name="key"/>; dispose the answer to release it.</summary>
    public static async ValueTask<IAsyncDisposable> AcquireAsync(Database database, long key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.Provider == StorageProvider.Sqlite)
        {
            return NoLock.Instance;
        }

        var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await work.Connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@key)", new { key }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return work; // disposing rolls the transaction back, which releases the lock
        }
        catch
        {
            await work.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
