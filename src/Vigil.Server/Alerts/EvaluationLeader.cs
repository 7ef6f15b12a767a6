using System.Data.Common;
using Dapper;
using Vigil.Storage;

namespace Vigil.Server.Alerts;

/// <summary>
/// Decides which process evaluates the rules. On SQLite (one process by design) it is always
/// this one. On PostgreSQL, where several processes share a database, the process that holds
/// a session advisory lock on a connection of its own is the leader; when it dies its session
/// ends, the lock goes with it, and another process takes over at its next tick. The lock is
/// checked on every call, so a leader whose connection broke stops evaluating at once.
/// </summary>
internal sealed partial class EvaluationLeader(Database database, ILogger<EvaluationLeader> logger) : IAsyncDisposable
{
    private const long LeaderLockKey = 0x56_49_47_49_4C_01; // "VIGIL" + 1
    private const long AlertsLockKey = 0x56_49_47_49_4C_02; // "VIGIL" + 2

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DbConnection? _connection;
    private bool _isLeader;

    /// <summary>Whether other processes may change alerts in the same database (PostgreSQL).</summary>
    public bool SharesDatabase => database.Provider == StorageProvider.Postgres;

    /// <summary>Whether this process is the one that evaluates (acquiring the role when it is free).</summary>
    public async ValueTask<bool> IsLeaderAsync(CancellationToken cancellationToken)
    {
        if (database.Provider == StorageProvider.Sqlite)
        {
            return true;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                _connection ??= await database.OpenAsync(cancellationToken).ConfigureAwait(false);
                if (_isLeader)
                {
                    await _connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
                    return true;
                }

                _isLeader = await _connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_try_advisory_lock(@key)", new { key = LeaderLockKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
                if (_isLeader)
                {
                    LogBecameLeader();
                }

                return _isLeader;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A broken connection took the lock with it: not the leader until it is won again.
                if (_isLeader)
                {
                    LogLostLeadership(ex);
                }

                _isLeader = false;
                await DropConnectionAsync().ConfigureAwait(false);
                return false;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Serialises changes to open alerts across processes (an evaluation pass on the leader,
    /// an acknowledgement through another process's API): the holder reloads, changes and
    /// saves while no other process does. A no-op on SQLite, where the engine's own lock is enough.
    /// </summary>
    public async ValueTask<IAsyncDisposable> LockAlertsAsync(CancellationToken cancellationToken)
    {
        if (database.Provider == StorageProvider.Sqlite)
        {
            return NoLock.Instance;
        }

        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = AlertsLockKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new TransactionLock(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
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
            if (_isLeader)
            {
                // Pooled connections outlive Dispose: give the lock back explicitly.
                await _connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = LeaderLockKey }).ConfigureAwait(false);
            }
        }
        catch (DbException)
        {
            // The connection is broken: the server has already released its locks.
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        _connection = null;
        _isLeader = false;
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "This process now evaluates the alert rules (it holds the evaluation lock)")]
    private partial void LogBecameLeader();

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "The evaluation lock was lost; another process may take over")]
    private partial void LogLostLeadership(Exception exception);

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class TransactionLock(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await transaction.RollbackAsync().ConfigureAwait(false); // ends the transaction, releasing the lock
            }
            finally
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
