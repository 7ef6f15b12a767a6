using Vigil.Storage.Audit;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Audit;

/// <summary>
/// The audit log's storage, once per provider: entries kept as written (before and after, secrets
/// as the caller masked them), read newest first with each filter and the page cursor, and
/// forgotten after their retention.
/// </summary>
public abstract class AuditRepositoryTests(StorageProvider provider) : IAsyncLifetime
{
    private const long T0 = 1_790_000_000_000;
    private TestDatabase _testDatabase = null!;

    private Database Database { get; set; } = null!;

    private AuditRepository Audit => new(Database);

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        Database = new Database(_testDatabase.Options);
        await new Migrator(Database).MigrateAsync(T0);
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task InsertAsync_ThenListAsync_EveryFieldKeptAsWritten()
    {
        var written = new AuditRecord(
            0, T0, "key-1", "ops admin", "PATCH", "/api/v1/channels/c1", "channels", "c1", 200,
            """{"name":"old","config":{"url":"****"}}""", """{"name":"new é ✓","config":{"url":"****"}}""");

        await Audit.InsertAsync(written);

        var read = Assert.Single(await Audit.ListAsync(new AuditQuery()));
        Assert.True(read.Id > 0);
        Assert.Equal(written with { Id = read.Id }, read);
    }

    [Fact]
    public async Task InsertAsync_CreationAndDeletion_NullBeforeOrAfterAndResourceIdKept()
    {
        await Audit.InsertAsync(Entry(T0, before: null, after: """{"id":"r1"}"""));
        await Audit.InsertAsync(Entry(T0 + 1, before: """{"id":"r1"}""", after: null) with { ResourceId = null });

        var entries = await Audit.ListAsync(new AuditQuery());

        Assert.Equal(2, entries.Count);
        var (deleted, created) = (entries[0], entries[1]);
        Assert.Equal<(string?, string?, string?)>(("""{"id":"r1"}""", null, null), (deleted.Before, deleted.After, deleted.ResourceId));
        Assert.Equal<(string?, string?, string?)>((null, """{"id":"r1"}""", "r1"), (created.Before, created.After, created.ResourceId));
    }

    [Fact]
    public async Task ListAsync_NewestFirst_LimitAndBeforeIdPage()
    {
        for (var i = 0; i < 5; i++)
        {
            await Audit.InsertAsync(Entry(T0 + i, path: $"/api/v1/rules/r{i}"));
        }

        var first = await Audit.ListAsync(new AuditQuery(Limit: 2));
        var second = await Audit.ListAsync(new AuditQuery(Limit: 2, BeforeId: first[^1].Id));
        var last = await Audit.ListAsync(new AuditQuery(Limit: 2, BeforeId: second[^1].Id));

        Assert.Equal(["/api/v1/rules/r4", "/api/v1/rules/r3"], first.Select(e => e.Path));
        Assert.Equal(["/api/v1/rules/r2", "/api/v1/rules/r1"], second.Select(e => e.Path));
        Assert.Equal(["/api/v1/rules/r0"], last.Select(e => e.Path));
        Assert.Empty(await Audit.ListAsync(new AuditQuery(BeforeId: last[0].Id)));
    }

    [Fact]
    public async Task ListAsync_FromIncludedToExcluded()
    {
        await Audit.InsertAsync(Entry(T0, path: "/a"));
        await Audit.InsertAsync(Entry(T0 + 1000, path: "/b"));
        await Audit.InsertAsync(Entry(T0 + 2000, path: "/c"));

        var window = await Audit.ListAsync(new AuditQuery(FromMs: T0 + 1000, ToMs: T0 + 2000));

        Assert.Equal(["/b"], window.Select(e => e.Path));
        Assert.Equal(["/c", "/b"], (await Audit.ListAsync(new AuditQuery(FromMs: T0 + 1000))).Select(e => e.Path));
        Assert.Equal(["/b", "/a"], (await Audit.ListAsync(new AuditQuery(ToMs: T0 + 2000))).Select(e => e.Path));
    }

    [Fact]
    public async Task ListAsync_ActorMatchesKeyIdOrName_ResourceExactly()
    {
        await Audit.InsertAsync(Entry(T0, path: "/1") with { ActorId = "key-1", ActorName = "alice", Resource = "rules" });
        await Audit.InsertAsync(Entry(T0 + 1, path: "/2") with { ActorId = "key-2", ActorName = "bob", Resource = "channels" });
        await Audit.InsertAsync(Entry(T0 + 2, path: "/3") with { ActorId = "key-1", ActorName = "alice", Resource = "channels" });

        Assert.Equal(["/3", "/1"], (await Audit.ListAsync(new AuditQuery(Actor: "key-1"))).Select(e => e.Path));
        Assert.Equal(["/2"], (await Audit.ListAsync(new AuditQuery(Actor: "bob"))).Select(e => e.Path));
        Assert.Empty(await Audit.ListAsync(new AuditQuery(Actor: "Bob")));
        Assert.Equal(["/3", "/2"], (await Audit.ListAsync(new AuditQuery(Resource: "channels"))).Select(e => e.Path));
        Assert.Equal(["/3"], (await Audit.ListAsync(new AuditQuery(Actor: "alice", Resource: "channels"))).Select(e => e.Path));
        Assert.Empty(await Audit.ListAsync(new AuditQuery(Resource: "channel")));
    }

    [Fact]
    public async Task DeleteBeforeAsync_RemovesOnlyOlderEntries_CountsThem()
    {
        await Audit.InsertAsync(Entry(T0 - 2, path: "/old"));
        await Audit.InsertAsync(Entry(T0 - 1, path: "/older-than-the-cut"));
        await Audit.InsertAsync(Entry(T0, path: "/at-the-cut"));
        await Audit.InsertAsync(Entry(T0 + 1, path: "/new"));

        Assert.Equal(2, await Audit.DeleteBeforeAsync(T0));
        Assert.Equal(0, await Audit.DeleteBeforeAsync(T0));

        Assert.Equal(["/new", "/at-the-cut"], (await Audit.ListAsync(new AuditQuery())).Select(e => e.Path));
    }

    private static AuditRecord Entry(long atMs, string path = "/api/v1/rules/r1", string? before = null, string? after = """{"id":"r1"}""") =>
        new(0, atMs, "key-1", "ops admin", "POST", path, "rules", "r1", 201, before, after);
}

public sealed class SqliteAuditRepositoryTests() : AuditRepositoryTests(StorageProvider.Sqlite);

public sealed class PostgresAuditRepositoryTests() : AuditRepositoryTests(StorageProvider.Postgres);
