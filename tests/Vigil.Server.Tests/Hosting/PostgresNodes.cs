using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Server.Tests.Hosting;

/// <summary>
/// Server processes ("nodes") sharing one PostgreSQL test database and one working folder, so one
/// master key file. Start them one after the other: the first creates the schema and the key the
/// others use. Owned by one test class: created in its <c>InitializeAsync</c>, disposed in its
/// <c>DisposeAsync</c>.
/// </summary>
internal sealed class PostgresNodes : IAsyncDisposable
{
    private readonly string _adminKey;

    private PostgresNodes(TestDatabase database, string folder, string adminKey)
    {
        Database = database;
        Folder = folder;
        _adminKey = adminKey;
    }

    public TestDatabase Database { get; }

    public string Folder { get; }

    public static async Task<PostgresNodes> CreateAsync(string adminKey) =>
        new(await TestDatabase.CreateAsync(StorageProvider.Postgres), Directory.CreateTempSubdirectory("vigil-nodes-").FullName, adminKey);

    /// <summary>What every node needs: the shared database, the admin key, deliveries to loopback receivers.</summary>
    public Dictionary<string, string> Environment() => new()
    {
        ["Vigil__Storage__Provider"] = "Postgres",
        ["Vigil__Storage__ConnectionString"] = Database.Options.ConnectionString!,
        ["Vigil__Auth__BootstrapAdminKey"] = _adminKey,
        ["Vigil__Delivery__AllowPrivateNetworks"] = "true",
    };

    /// <summary>Starts a node with <see cref="Environment"/> and <paramref name="settings"/> over it, and waits until it is ready.</summary>
    public async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var environment = Environment();
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var node = ServerProcess.Start(Folder, environment);
        await node.WaitUntilReadyAsync();
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
