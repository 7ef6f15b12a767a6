using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Limits;
using Vigil.Server.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Limits;
using Vigil.Storage.Redis;
using Vigil.Testing;

namespace Vigil.Server.Tests.Cluster;

/// <summary>
/// Issue 14, item 2: a destination's rate limit and breaker shared by two processes ("nodes" A and
/// B, each with its own connections) in PostgreSQL and in Redis, on one fake clock: together they
/// get the bucket's tokens once, the breaker opens on the failures of both, one probe goes when it
/// half-opens, and with Redis gone the limits carry on in PostgreSQL without an error.
/// </summary>
public abstract class SharedDestinationLimitsTests : IAsyncLifetime
{
    private const string Destination = "https://hooks.example.com/alerts";
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private TestDatabase _database = null!;
    private readonly List<IAsyncDisposable> _owned = [];

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    protected RedisInstance? Redis { get; private set; }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        await using (var database = new Database(_database.Options))
        {
            await new Migrator(database).MigrateAsync(Time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        if (UsesRedis)
        {
            Redis = await RedisInstance.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    protected abstract bool UsesRedis { get; }

    [Fact]
    public async Task Enter_TwoNodes_ShareOneBucket()
    {
        var (a, b) = (Node(), Node());

        // 5 a second between them: 3 through A, 2 through B, then none for either.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(DestinationVerdict.Go, (await EnterAsync(b)).Verdict);
        }

        var refused = await EnterAsync(b);
        Assert.Equal(DestinationVerdict.RateLimited, refused.Verdict);
        Assert.Equal(TimeSpan.FromMilliseconds(200), refused.RetryAfter);
        Assert.Equal(DestinationVerdict.RateLimited, (await EnterAsync(a)).Verdict);

        // A fifth of a second refills one token, for whichever node asks first.
        Time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);
        Assert.Equal(DestinationVerdict.RateLimited, (await EnterAsync(b)).Verdict);
    }

    [Fact]
    public async Task Record_FailuresOnBothNodes_OpenTheBreakerForBoth_OneProbe_ClosedByAnAnswer()
    {
        var (a, b) = (Node(), Node());
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);

        // Threshold 3: two failures on A and one on B open it, on both.
        await RecordAsync(a, failed: true);
        await RecordAsync(b, failed: true);
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(b)).Verdict);
        await RecordAsync(a, failed: true);
        var open = await EnterAsync(b);
        Assert.Equal(DestinationVerdict.BreakerOpen, open.Verdict);
        Assert.Equal(Break, open.RetryAfter);
        Assert.Equal(DestinationVerdict.BreakerOpen, (await EnterAsync(a)).Verdict);

        // After the break one attempt goes (the probe); the other node waits for its outcome.
        Time.Advance(Break);
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);
        Assert.Equal(DestinationVerdict.BreakerOpen, (await EnterAsync(b)).Verdict);

        // A failed probe opens it again for a whole break; an answered one closes it.
        await RecordAsync(a, failed: true);
        Time.Advance(Break - TimeSpan.FromSeconds(1));
        Assert.Equal(DestinationVerdict.BreakerOpen, (await EnterAsync(b)).Verdict);
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(b)).Verdict);
        await RecordAsync(b, failed: false);
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);

        // Closed: failures count from zero again.
        await RecordAsync(a, failed: true);
        await RecordAsync(a, failed: true);
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(b)).Verdict);
    }

    protected IDestinationLimits Node()
    {
        var database = new Database(_database.Options);
        _owned.Add(database);
        RedisDestinationLimits? redis = null;
        if (Redis is not null)
        {
            var connection = new RedisConnection(Options.Create(new RedisOptions { ConnectionString = Redis.ConnectionString }));
            _owned.Add(connection);
            redis = new RedisDestinationLimits(connection, Time);
        }

        return new SharedDestinationLimits(new PostgresDestinationLimits(database, Time), redis, NullLogger<SharedDestinationLimits>.Instance);
    }

    protected async Task<DestinationGate> EnterAsync(IDestinationLimits node) =>
        await node.EnterAsync(Destination, 5, TimeSpan.FromSeconds(1), Break, CancellationToken.None);

    protected async Task RecordAsync(IDestinationLimits node, bool failed) =>
        await node.RecordAsync(Destination, failed, 3, Break, CancellationToken.None);
}

public sealed class PostgresSharedDestinationLimitsTests : SharedDestinationLimitsTests
{
    protected override bool UsesRedis => false;
}

public sealed class RedisSharedDestinationLimitsTests : SharedDestinationLimitsTests
{
    protected override bool UsesRedis => true;

    [Fact]
    public async Task Enter_RedisStopped_CarriesOnInPostgres()
    {
        var (a, b) = (Node(), Node());
        Assert.Equal(DestinationVerdict.Go, (await EnterAsync(a)).Verdict);

        await Redis!.StopAsync();

        // No exception reaches the caller; the bucket starts over in PostgreSQL (full), and holds there.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(DestinationVerdict.Go, (await EnterAsync(i % 2 == 0 ? a : b)).Verdict);
        }

        Assert.Equal(DestinationVerdict.RateLimited, (await EnterAsync(b)).Verdict);
        await RecordAsync(a, failed: true);
    }
}
