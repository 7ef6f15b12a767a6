using Npgsql;
using Vigil.Storage;

namespace Vigil.Testing;

/// <summary>
/// A fresh, empty database for one test class: a SQLite file in a temporary folder, or a new
/// database on the throwaway PostgreSQL that ./test.sh starts (VIGIL_TEST_POSTGRES).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    // PostgreSQL templates by the migration sources they hold, each created once per test process.
    private static readonly Dictionary<string, Task<string>> Templates = [];

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

    /// <summary>
    /// A fresh database already migrated with Storage's migrations and <paramref name="sources"/>,
    /// for tests of a server, which would migrate it at start. On PostgreSQL a copy of a template
    /// migrated once per test process (<c>CREATE DATABASE … TEMPLATE</c>: five PostgreSQL server
    /// test classes took 58 s instead of 75); on SQLite, whose migrations are quick, an empty one.
    /// </summary>
    public static async Task<TestDatabase> CreateMigratedAsync(StorageProvider provider, IReadOnlyList<MigrationSource> sources)
    {
        if (provider == StorageProvider.Sqlite)
        {
            return await CreateAsync(provider);
        }

        Task<string> template;
        lock (Templates)
        {
            var key = string.Join(',', sources.Select(s => s.Assembly.FullName).Order(StringComparer.Ordinal));
            if (!Templates.TryGetValue(key, out template!))
            {
                Templates[key] = template = Task.Run(() => CreateTemplateAsync(sources));
            }
        }

        return await CreatePostgresAsync(await template);
    }

    public static async Task<TestDatabase> CreateAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var folder = Directory.CreateTempSubdirectory("vigil-test-").FullName;
            return new TestDatabase(
                new StorageOptions { Provider = StorageProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "vigil.db")}" },
                folder, null, null);
        }

        return await CreatePostgresAsync(template: null);
    }

    private static string PostgresAdmin => Environment.GetEnvironmentVariable("VIGIL_TEST_POSTGRES")
        ?? throw new InvalidOperationException("VIGIL_TEST_POSTGRES is not set: run the tests with ./test.sh, which starts a throwaway PostgreSQL.");

    private static async Task<TestDatabase> CreatePostgresAsync(string? template)
    {
        var admin = PostgresAdmin;
        var name = "vigil_" + Guid.NewGuid().ToString("N");
        // FILE_COPY (PostgreSQL 15 and later) copies the template's files instead of writing them
        // through the WAL: about 60 ms less a database, with the throwaway instance's fsync off.
        await AdminAsync(admin, template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}{(await FileCopyAsync(admin) ? " STRATEGY FILE_COPY" : "")}");
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = builder.ToString() }, null, admin, name);
    }

    private static async Task<string> CreateTemplateAsync(IReadOnlyList<MigrationSource> sources)
    {
        var admin = PostgresAdmin;
        var name = "vigil_template_" + Guid.NewGuid().ToString("N");
        await AdminAsync(admin, $"CREATE DATABASE {name}");
        await using (var database = new Database(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString() }))
        {
            await new Migrator(database, sources).MigrateAsync(0);
        } // its connections closed: a database is copied only while nobody is connected to it

        AppDomain.CurrentDomain.ProcessExit += (_, _) => AdminAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult();
        return name;
    }

    private static Task<bool>? _fileCopy;

    private static Task<bool> FileCopyAsync(string admin) => _fileCopy ??= Task.Run(async () =>
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        return connection.PostgreSqlVersion.Major >= 15;
    });

    private static async Task AdminAsync(string admin, string sql)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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
            // Only this database's pool: clearing them all would close every other test's pooled
            // connections too, the admin ones included, each then opened again.
            await using (var connection = new NpgsqlConnection(Options.ConnectionString))
            {
                NpgsqlConnection.ClearPool(connection);
            }

            await AdminAsync(_postgresAdmin, $"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)");
        }
    }
}
