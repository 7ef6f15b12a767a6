using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vigil.Storage;

/// <summary>Opens connections to the configured database; the one place that knows the provider.</summary>
public sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqliteConnectionString;

    /// <summary>Creates the database access for the given options.</summary>
    public Database(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Provider = options.Provider;
        if (Provider == StorageProvider.Postgres)
        {
            _postgres = NpgsqlDataSource.Create(options.ConnectionString!);
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

            builder.Pooling = true;
            builder.DefaultTimeout = 30;
            _sqliteConnectionString = builder.ToString();
        }
    }

    /// <summary>The provider in use.</summary>
    public StorageProvider Provider { get; }

    /// <summary>Opens a connection.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return connection;
    }

    /// <summary>Opens a connection and begins a transaction that repositories and the job queue share.</summary>
    public async Task<UnitOfWork> BeginAsync(CancellationToken cancellationToken = default) =>
        await UnitOfWork.BeginAsync(Provider, await OpenAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

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
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
    }
}
