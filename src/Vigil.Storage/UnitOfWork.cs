using System.Data.Common;

namespace Vigil.Storage;

/// <summary>
/// One database transaction shared by the repositories and the job queue, so that what they
/// write together exists together or not at all: an alert's lifecycle step and its delivery
/// jobs, a relayed request and its jobs. Begin one with <see cref="Database.BeginAsync"/>;
/// work not committed when it is disposed is rolled back. Callbacks registered with
/// <see cref="OnCommitted"/> run after the commit (to wake the processors of the jobs it wrote).
/// </summary>
/// <remarks>
/// <see cref="Connection"/> and <see cref="Transaction"/> are for storage code only (the
/// repositories and the job queue): nothing above Storage and Jobs handles them.
/// </remarks>
public sealed class UnitOfWork : IAsyncDisposable
{
    private readonly List<Action> _committed = [];
    private readonly IAsyncDisposable _turn;
    private bool _done;

    private UnitOfWork(StorageProvider provider, DbConnection connection, DbTransaction transaction, IAsyncDisposable turn)
    {
        _turn = turn;
        Provider = provider;
        Connection = connection;
        Transaction = transaction;
    }

    /// <summary>The database's provider.</summary>
    public StorageProvider Provider { get; }

    /// <summary>The open connection (storage code only).</summary>
    public DbConnection Connection { get; }

    /// <summary>The transaction every statement of this unit runs in (storage code only).</summary>
    public DbTransaction Transaction { get; }

    /// <summary>Runs <paramref name="action"/> once the unit has committed (never if it rolls back).</summary>
    public void OnCommitted(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _committed.Add(action);
    }

    /// <summary>Commits, then runs the <see cref="OnCommitted"/> callbacks.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        await Transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _done = true;
        foreach (var action in _committed)
        {
            action();
        }
    }

    /// <summary>
    /// Rolls back what was not committed, closes the connection and gives the writer turn back,
    /// each even when the one before failed (a rollback that fails on an I/O error must not keep
    /// every later writer of the process waiting for a turn that never comes back).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _done = true;
        try
        {
            try
            {
                await Transaction.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await Connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _turn.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static async Task<UnitOfWork> BeginAsync(StorageProvider provider, DbConnection connection, IAsyncDisposable turn, CancellationToken cancellationToken)
    {
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new UnitOfWork(provider, connection, transaction, turn);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
