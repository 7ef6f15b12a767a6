using System.Data.Common;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace Vigil.Storage;

/// <summary>Opens connections to the configured database; the one place that knows the provider.</summary>
public sealed class Database : IAsyncDisposable
{
    /// <summary>How long a SQLite statement waits for another connection's write lock before it fails.</summary>
    public const int BusyTimeoutMs = 30_000;

    // Npgsql's metric of each command's duration; its pool-name tag tells this data source's apart.
    private const string NpgsqlMeter = "Npgsql";
    private const string NpgsqlOperationDuration = "db.client.operation.duration";
    private const string NpgsqlPoolNameTag = "db.client.connection.pool.name";

    private readonly NpgsqlDataSource? _postgres;
    private readonly MeterListener? _postgresTimings;
    private readonly string? _postgresName;
    private readonly delegate_profile? _sqliteProfile;

    // SQLite has one writer at a time: this process's writers queue here, first come first served,
    // instead of polling SQLite's lock (null on PostgreSQL).
    private readonly SemaphoreSlim? _sqliteWriter;
    private int _queuedWriters;
    private readonly string? _sqliteConnectionString;

    /// <summary>Creates the database access for the given options.</summary>
    public Database(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Provider = options.Provider;
        if (Provider == StorageProvider.Postgres)
        {
            _postgresName = "vigil-" + Guid.NewGuid().ToString("N");
            _postgres = new NpgsqlDataSourceBuilder(options.ConnectionString!) { Name = _postgresName }.Build();
            _postgresTimings = ListenToNpgsql();
        }
        else
        {
            var builder = new SqliteConnectionStringBuilder(options.ConnectionString ?? "Data Source=data/vigil.db");
            if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                }
            }

            _sqliteWriter = new SemaphoreSlim(1, 1);
            builder.Pooling = true;
            builder.DefaultTimeout = (int)(BusyTimeoutMs / 1000);
            _sqliteConnectionString = builder.ToString();
            _sqliteProfile = (_, _, nanoseconds) => Timings.Record(nanoseconds / 1_000_000.0);
        }
    }

    /// <summary>Each statement's duration, for whoever records it.</summary>
    public QueryTimings Timings { get; } = new();

    /// <summary>The provider in use.</summary>
    public StorageProvider Provider { get; }

    /// <summary>How many writers of this process wait for their turn (SQLite).</summary>
    internal int QueuedWriters => Volatile.Read(ref _queuedWriters);

    /// <summary>Opens a connection.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        // Set on every open: a pooled connection may have been opened by another Database of the same file.
        raw.sqlite3_profile(connection.Handle, _sqliteProfile, null);
        await using (var pragma = connection.CreateCommand())
        {
            // busy_timeout: a writer that finds another's transaction open waits in SQLite's own busy
            // handler (sleeps of 1 to 100 ms) rather than Microsoft.Data.Sqlite's retry loop, which
            // sleeps 150 ms a try: one collision of two short writes cost a notification 150 ms.
            pragma.CommandText = $"PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutMs};";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return connection;
    }

    /// <summary>Opens a connection and begins a transaction that repositories and the job queue share (on SQLite, in this process's writer turn).</summary>
    public async Task<UnitOfWork> BeginAsync(CancellationToken cancellationToken = default)
    {
        var turn = await WriterTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await UnitOfWork.BeginAsync(Provider, await OpenAsync(cancellationToken).ConfigureAwait(false), turn, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await turn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// On SQLite, waits for this process's turn to write (first come, first served) and holds it until
    /// disposed: take it before a write transaction begins. SQLite allows one writer at a time, and a
    /// writer that polls the lock while others take turns can starve for hundreds of milliseconds (the
    /// job dispatcher behind an alert pass's chunks). A no-op on PostgreSQL.
    /// </summary>
    /// <exception cref="TimeoutException">Another writer of this process held the turn for <see cref="BusyTimeoutMs"/>.</exception>
    public async ValueTask<IAsyncDisposable> WriterTurnAsync(CancellationToken cancellationToken = default)
    {
        if (_sqliteWriter is null)
        {
            return WriterTurn.None;
        }

        bool entered;
        Interlocked.Increment(ref _queuedWriters);
        try
        {
            entered = await _sqliteWriter.WaitAsync(BusyTimeoutMs, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _queuedWriters);
        }

        if (!entered)
        {
            throw new TimeoutException($"Another write transaction of this process held SQLite's write lock for {BusyTimeoutMs / 1000} s.");
        }

        return new WriterTurn(_sqliteWriter);
    }

    /// <summary>Whether the database answers a trivial query; throws what the provider throws when it does not.</summary>
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _postgresTimings?.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
    }

    private MeterListener ListenToNpgsql()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == NpgsqlMeter && instrument.Name == NpgsqlOperationDuration)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == NpgsqlPoolNameTag)
                {
                    if (tag.Value as string == _postgresName)
                    {
                        Timings.Record(seconds * 1000);
                    }

                    return;
                }
            }
        });
        listener.Start();
        return listener;
    }
}
