using Vigil.Storage.Delivery;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Delivery;

/// <summary>
/// The relay's storage, once per provider: the upgrade that keeps secret-less endpoints open,
/// and the stored-body budget (oldest finished bodies dropped first, pending ones never).
/// </summary>
public abstract class RelayRepositoryTests(StorageProvider provider) : IAsyncLifetime
{
    private const long T0 = 1_790_000_000_000;
    private const int LastVersionBeforeRelayLimits = 9;
    private TestDatabase _testDatabase = null!;

    private Database Database { get; set; } = null!;

    private RelayRepository Relays => new(Database);

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        Database = new Database(_testDatabase.Options);
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task Migrate_EndpointsFromBefore_WithoutSecretStayOpen_KeptBodiesCounted()
    {
        await new Migrator(Database).MigrateAsync(T0, LastVersionBeforeRelayLimits);
        await ExecuteAsync("""
            INSERT INTO relay_endpoints (id, slug, name, integrations, secret, created_at, updated_at) VALUES
                ('open', 'open', 'Open', '["c1"]', NULL, 1, 1),
                ('closed', 'closed', 'Closed', '["c1"]', 'protected', 1, 1);
            INSERT INTO relay_requests (id, endpoint_id, received_at, body, status, total, successful, failed) VALUES
                ('r1', 'open', 1, '{"a":1}', 'delivered', 1, 1, 0),
                ('r2', 'open', 2, '{"é":1}', 'delivered', 1, 1, 0);
            """);

        await new Migrator(Database).MigrateAsync(T0);

        Assert.True((await Relays.GetBySlugAsync("open"))!.AllowUnauthenticated);
        Assert.False((await Relays.GetBySlugAsync("closed"))!.AllowUnauthenticated);
        Assert.Equal(7 + 8, await Relays.StoredBodyBytesAsync()); // bytes, not characters
        Assert.Equal("{\"é\":1}", await Relays.BodyAsync("r2"));
    }

    [Fact]
    public async Task InsertRequestAsync_OverBudget_OldestFinishedBodiesDropped_PendingBodiesAndLogKept()
    {
        await new Migrator(Database).MigrateAsync(T0);
        var body = Body(100);
        Assert.True(await InsertAsync("pending-old", 1, body, budget: 300));
        Assert.True(await InsertAsync("done-1", 2, body, budget: 300));
        Assert.True(await InsertAsync("done-2", 3, body, budget: 300));
        await Relays.CountOutcomeAsync("done-1", succeeded: true);
        await Relays.CountOutcomeAsync("done-2", succeeded: false); // gave up: finished too

        Assert.True(await InsertAsync("new", 4, body, budget: 300));

        Assert.Equal(300, await Relays.StoredBodyBytesAsync());
        Assert.Equal(body, await Relays.BodyAsync("pending-old")); // its delivery still needs it
        Assert.Null(await Relays.BodyAsync("done-1")); // the oldest finished one went first
        Assert.True(await Relays.HasRequestAsync("done-1"));
        Assert.Equal(body, await Relays.BodyAsync("done-2"));
        Assert.Equal(body, await Relays.BodyAsync("new"));
        Assert.Equal(4, (await Relays.RequestsAsync(null, 10)).Count);
    }

    [Fact]
    public async Task InsertRequestAsync_PendingBodiesFillTheBudget_RefusedNothingStored_UntilCleanedUp()
    {
        await new Migrator(Database).MigrateAsync(T0);
        var body = Body(100);
        Assert.True(await InsertAsync("a", 1, body, budget: 250));
        Assert.True(await InsertAsync("b", 2, body, budget: 250));

        Assert.False(await InsertAsync("c", 3, body, budget: 250));
        Assert.False(await InsertAsync("huge", 3, Body(251), budget: 250));

        Assert.False(await Relays.HasRequestAsync("c"));
        Assert.Equal(200, await Relays.StoredBodyBytesAsync());
        Assert.Equal(2, await Relays.DeleteRequestsBeforeAsync(3));
        Assert.Equal(0, await Relays.StoredBodyBytesAsync());
        Assert.True(await InsertAsync("c", 3, body, budget: 250));
        Assert.Equal(100, await Relays.StoredBodyBytesAsync());
    }

    /// <summary>A JSON body of exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    private static string Body(int bytes) => "{\"p\":\"" + new string('x', bytes - 8) + "\"}";

    private async Task<bool> InsertAsync(string id, long receivedAtMs, string body, long budget)
    {
        await using var work = await Database.BeginAsync();
        if (!await RelayRepository.InsertRequestAsync(work, new RelayRequestRecord(id, "ep", receivedAtMs, "pending", 1, 0, 0), body, budget))
        {
            return false;
        }

        await work.CommitAsync();
        return true;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteRelayRepositoryTests() : RelayRepositoryTests(StorageProvider.Sqlite);

public sealed class PostgresRelayRepositoryTests() : RelayRepositoryTests(StorageProvider.Postgres);
