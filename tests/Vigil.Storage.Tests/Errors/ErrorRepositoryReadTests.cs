using Vigil.Storage.Errors;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Errors;

/// <summary>
/// The reads the dashboard's issue pages make, once per provider: the counts per minute of a page
/// of issues, an issue's kept events with their times, the services with issues, and the issues of a trace.
/// </summary>
public abstract class ErrorRepositoryReadTests(StorageProvider provider) : IAsyncLifetime
{
    private const long T0 = 1_790_000_040_000;
    private const long Minute = 60_000;
    private static readonly ErrorBounds Bounds = new(100, 1000, 100);
    private static readonly string Trace = new('a', 32);
    private TestDatabase _testDatabase = null!;

    private Database Database { get; set; } = null!;

    private ErrorRepository Errors => new(Database);

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
    public async Task Reads_TwoIssuesWithEvents_MinutesEventsServicesAndTraceIssues()
    {
        // Arrange: issue A (shop) has two events a minute apart, the second in the trace; issue B (billing) one event.
        var a = (await Errors.RecordAsync(Write("fa", "shop", "e1", "1.0", "{\"traceId\":null}"), T0, Bounds, _ => false)).Issue;
        await Errors.RecordAsync(Write("fa", "shop", "e2", "1.1", $"{{\"traceId\":\"{Trace}\"}}"), T0 + Minute, Bounds, _ => false);
        var b = (await Errors.RecordAsync(Write("fb", "billing", "e3", null, "{}"), T0 + Minute, Bounds, _ => false)).Issue;

        // Act
        var minutes = await Errors.MinutesAsync([a.Id, b.Id], T0 - Minute);
        var later = await Errors.MinutesAsync([a.Id], T0 + 1);
        var kept = await Errors.KeptEventsAsync(a.Id, 10);
        var services = await Errors.ServicesAsync();
        var inTrace = await Errors.ForTraceAsync(Trace, 10);
        var otherTrace = await Errors.ForTraceAsync(new string('b', 32), 10);
        var notATrace = await Errors.ForTraceAsync("%", 10);

        // Assert
        Assert.Equal(3, minutes.Count);
        Assert.Equal([1L, 1L], minutes.Where(m => m.IssueId == a.Id).Select(m => m.Events));
        Assert.Equal(T0 + Minute - (T0 % Minute), Assert.Single(later).MinuteMs);
        Assert.Equal([("e2", T0 + Minute, "1.1"), ("e1", T0, "1.0")], kept.Select(k => (k.EventId, k.ReceivedAtMs, k.Release)));
        Assert.Equal(["billing", "shop"], services);
        Assert.Equal(a.Id, Assert.Single(inTrace).Id);
        Assert.Empty(otherTrace);
        Assert.Empty(notATrace);
        Assert.Empty(await Errors.MinutesAsync([], 0));
    }

    private static IssueEventWrite Write(string fingerprint, string service, string eventId, string? release, string payload) =>
        new(fingerprint, "Title " + fingerprint, null, null, "error", service, eventId, T0, release, null, payload);
}

public sealed class SqliteErrorRepositoryReadTests() : ErrorRepositoryReadTests(StorageProvider.Sqlite);

public sealed class PostgresErrorRepositoryReadTests() : ErrorRepositoryReadTests(StorageProvider.Postgres);
