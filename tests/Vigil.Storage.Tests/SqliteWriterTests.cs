using Dapper;
using Vigil.Testing;

namespace Vigil.Storage.Tests;

/// <summary>
/// SQLite's one writer: the process's writers take turns, first come first served, and a writer
/// that meets another process's lock waits in SQLite's busy handler rather than sleeping 150 ms a try.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private TestDatabase _testDatabase = null!;
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        _database = new Database(_testDatabase.Options);
        await using var connection = await _database.OpenAsync();
        await connection.ExecuteAsync("CREATE TABLE turns (n INTEGER NOT NULL)");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task OpenAsync_Sqlite_SetsTheBusyTimeout()
    {
        await using var connection = await _database.OpenAsync();

        Assert.Equal(Database.BusyTimeoutMs, await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout"));
    }

    [Fact]
    public async Task BeginAsync_WhileAnotherUnitOfWorkIsOpen_WaitsForItsTurnThenRunsInArrivalOrder()
    {
        var order = new List<int>();
        var first = await _database.BeginAsync();
        var second = Task.Run(() => WriteAsync(2));
        await WaitUntilQueuedAsync(1);
        var third = Task.Run(() => WriteAsync(3));
        await WaitUntilQueuedAsync(2);

        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        await first.Connection.ExecuteAsync("INSERT INTO turns (n) VALUES (1)", transaction: first.Transaction);
        await first.CommitAsync();
        await first.DisposeAsync();
        await Task.WhenAll(second, third).WaitAsync(Patience);

        Assert.Equal([2, 3], order);
        await using var connection = await _database.OpenAsync();
        Assert.Equal([1, 2, 3], (await connection.QueryAsync<int>("SELECT n FROM turns ORDER BY rowid")).ToList());

        async Task WriteAsync(int n)
        {
            await using var work = await _database.BeginAsync();
            lock (order)
            {
                order.Add(n);
            }

            await work.Connection.ExecuteAsync("INSERT INTO turns (n) VALUES (@n)", new { n }, work.Transaction);
            await work.CommitAsync();
        }
    }

    [Fact]
    public async Task WriterTurnAsync_Disposed_LetsTheNextWriterIn()
    {
        var turn = await _database.WriterTurnAsync();
        var next = _database.WriterTurnAsync().AsTask();

        Assert.False(next.IsCompleted);
        await turn.DisposeAsync();
        await turn.DisposeAsync(); // a second dispose gives nothing back twice
        await (await next.WaitAsync(Patience)).DisposeAsync();
        var again = _database.WriterTurnAsync().AsTask();
        Assert.True(again.IsCompleted);
        await (await again).DisposeAsync();
    }

    [Fact]
    public async Task UnitOfWork_WhoseRollbackFails_StillClosesItsConnectionAndLetsTheNextWriterIn()
    {
        var connection = new RollbackFailingConnection();
        var work = await UnitOfWork.BeginAsync(StorageProvider.Sqlite, connection, await _database.WriterTurnAsync(), CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(async () => await work.DisposeAsync());

        Assert.True(connection.IsDisposed);
        var next = _database.WriterTurnAsync().AsTask();
        Assert.True(next.IsCompleted);
        await (await next).DisposeAsync();
    }

    // Waits until n writers queue behind the turn.
    private async Task WaitUntilQueuedAsync(int n)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (_database.QueuedWriters < n)
        {
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < Patience, $"{n} writers never queued");
            await Task.Yield();
        }
    }

    // A connection whose transaction fails to roll back, as one can on a disk I/O error.
    private sealed class RollbackFailingConnection : System.Data.Common.DbConnection
    {
        public bool IsDisposed { get; private set; }

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string ConnectionString { get; set; } = string.Empty;

        public override string Database => "failing";

        public override string DataSource => "failing";

        public override string ServerVersion => "0";

        public override System.Data.ConnectionState State => System.Data.ConnectionState.Open;

        public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

        public override void Close()
        {
        }

        public override void Open()
        {
        }

        protected override System.Data.Common.DbTransaction BeginDbTransaction(System.Data.IsolationLevel isolationLevel) => new RollbackFailingTransaction(this);

        protected override System.Data.Common.DbCommand CreateDbCommand() => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            IsDisposed = true;
            base.Dispose(disposing);
        }
    }

    private sealed class RollbackFailingTransaction(System.Data.Common.DbConnection connection) : System.Data.Common.DbTransaction
    {
        public override System.Data.IsolationLevel IsolationLevel => System.Data.IsolationLevel.Serializable;

        protected override System.Data.Common.DbConnection DbConnection => connection;

        public override void Commit()
        {
        }

        public override void Rollback() => throw new IOException("disk I/O error");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Rollback();
            }

            base.Dispose(disposing);
        }
    }
}
