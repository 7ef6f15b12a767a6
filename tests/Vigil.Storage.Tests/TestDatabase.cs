using Npgsql;
using Vigil.Storage;

namespace Vigil.Testing;

/// <summary>
/// A fresh, empty database for one test class: a SQLite file in a temporary folder, or a new
/// database on the throwaway PostgreSQL that ./test.sh starts (VIGIL_TEST_POSTGRES).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _folder;
    private readonly string? _postgresAdmin;
    private readonly string? _postgresName;

    private TestDatabase(StorageOptions options, string? folder, string? postgresAdmin, string? postgresName)
    {
        Options = options;
        _folder = folder;
        _postgresAdmin = postgresAdmin;
        _postgresName = postgresName;
    }

    public StorageOptions Options { get; }

    public StorageProvider Provider => Options.Provider;

    public static async Task<TestDatabase> CreateAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("vigil-test-").FullName;
            return new TestDatabase(
                new StorageOptions { Provider = StorageProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "vigil.db")}" },
                folder, null, null);
        }

        var admin = Environment.GetEnvironmentVariable("VIGIL_TEST_POSTGRES")
            ?? throw new InvalidOperationException("VIGIL_TEST_POSTGRES is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL.");
        var name = "vigil_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = builder.ToString() }, null, admin, name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A server under test may still hold the file for a moment; the OS cleans temp.
            }
        }

        if (_postgresAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_postgresAdmin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
