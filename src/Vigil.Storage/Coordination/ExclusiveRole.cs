using System.Data.Common;
using Dapper;

namespace Vigil.Storage.Coordination;

/// <summary>
/// A role that at most one process holds at a time among the processes sharing a database
/// (the alert evaluator, a scheduler). On PostgreSQL the holder keeps a session advisory lock
/// on a connection of its own: when the process dies its session ends, the lock goes with it,
/// and another process takes the role at its next <see cref="CheckAsync"/>. On SQLite, which
/// one process uses by design, this process always holds it.
/// </summary>
/// <param name="database">The shared database.</param>
/// <param name="key">The role's lock key, unique among Vigil's roles.</param>
public sealed class ExclusiveRole(Database database, long key) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbConnection? _connection;
    private bool _held;
    private bool _resigned;

    /// <summary>Whether other processes may compete for the role (PostgreSQL).</summary>
    public bool IsShared => database.Provider == StorageProvider.Postgres;

    /// <summary>
    /// Whether this process holds the role, taking it when it is free. The lock is checked on
    /// every call, so a holder whose connection broke learns at once that it lost the role.
    /// </summary>
    public async ValueTask<RoleCheck> CheckAsync(CancellationToken cancellationToken = default)
    {
        if (!IsShared)
        {
            return new RoleCheck(Volatile.Read(ref _resigned) ? RoleState.NotHeld : RoleState.Held, null);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resigned)
            {
                return new RoleCheck(RoleState.NotHeld, null);
            }

            try
            {
                _connection ??= await database.OpenAsync(cancellationToken).ConfigureAwait(false);
                if (_held)
                {
                    await _connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
                    return new RoleCheck(RoleState.Held, null);
                }

                _held = await _connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_try_advisory_lock(@key)", new { key }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                return new RoleCheck(_held ? RoleState.Acquired : RoleState.NotHeld, null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A broken connection took the lock with it: not held until it is won again.
                var wasHeld = _held;
                await DropConnectionAsync().ConfigureAwait(false);
                return new RoleCheck(wasHeld ? RoleState.Lost : RoleState.NotHeld, ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Gives the role up for good (a process that is shutting down): another process can take it
    /// at its next check, and this one never takes it again. On SQLite, from then on not held.
    /// </summary>
    public async ValueTask ResignAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _resigned = true;
            await DropConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gives the role up and closes its connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await DropConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        _gate.Dispose();
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is null)
        {
            return;
        }

        try
        {
            if (_held)
            {
                // Pooled connections outlive Dispose: give the lock back explicitly.
                await _connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key }).ConfigureAwait(false);
            }
        }
        catch (DbException)
        {
            // The connection is broken: the server has already released its locks.
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
        _held = false;
    }
}
