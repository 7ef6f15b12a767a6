using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Storage.Caching;

namespace Vigil.Storage.Tests.Caching;

/// <summary>The cache layer on a real HybridCache: tags, lifetimes, counts, other nodes, trust.</summary>
public sealed class VigilCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly ServiceProvider _services;
    private readonly RecordingBus _bus = new();
    private int _loads;

    public VigilCacheTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddHybridCache();
        _services = services.BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task GetOrCreateAsync_SecondRead_AnsweredFromCacheLoadedOnce()
    {
        var cache = Cache();

        var first = await Read(cache, "rules", "all");
        var second = await Read(cache, "rules", "all");

        Assert.Equal(1, first);
        Assert.Equal(1, second);
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task GetOrCreateAsync_Hit_TheSameInstanceNotACopy()
    {
        var cache = Cache();
        IReadOnlyDictionary<string, object> Load() => new Dictionary<string, object> { ["a"] = new object() };

        var first = await cache.GetOrCreateAsync("channels", "all", CacheTier.Short, _ => ValueTask.FromResult(Load()));
        var second = await cache.GetOrCreateAsync("channels", "all", CacheTier.Short, _ => ValueTask.FromResult(Load()));

        Assert.Same(first, second);
    }

    [Fact]
    public async Task InvalidateAsync_Tag_ItsEntriesLoadAgainOthersKeptAndOtherNodesTold()
    {
        var cache = Cache();
        await Read(cache, "rules", "all");
        await Read(cache, "channels", "all");

        await cache.InvalidateAsync("rules");
        var rules = await Read(cache, "rules", "all");
        var channels = await Read(cache, "channels", "all");

        Assert.Equal(3, rules);
        Assert.Equal(2, channels);
        var sent = Assert.Single(_bus.Published);
        Assert.Equal(new CacheInvalidation(cache.NodeId, "rules"), sent);
    }

    [Fact]
    public async Task GetOrCreateAsync_TierLifetimes_ShortExpiresAfterItsSettingLongLivesOn()
    {
        var cache = Cache(new CacheOptions { Short = TimeSpan.FromSeconds(60), Medium = TimeSpan.FromSeconds(300), Long = TimeSpan.FromSeconds(600) });
        await Read(cache, "a", "k", CacheTier.Short);
        await Read(cache, "b", "k", CacheTier.Medium);
        await Read(cache, "c", "k", CacheTier.Long);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, await Read(cache, "a", "k", CacheTier.Short));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, await Read(cache, "a", "k", CacheTier.Short));
        Assert.Equal(2, await Read(cache, "b", "k", CacheTier.Medium));
        _time.Advance(TimeSpan.FromSeconds(240));
        Assert.Equal(5, await Read(cache, "b", "k", CacheTier.Medium));
        Assert.Equal(3, await Read(cache, "c", "k", CacheTier.Long));
        _time.Advance(TimeSpan.FromSeconds(300));
        Assert.Equal(6, await Read(cache, "c", "k", CacheTier.Long));
    }

    [Fact]
    public async Task Statistics_HitsMissesRateAndEntries()
    {
        var cache = Cache();
        Assert.Null(cache.Statistics().HitRatePercent);

        await Read(cache, "rules", "all");
        await Read(cache, "rules", "all");
        await Read(cache, "rules", "all");
        await Read(cache, "channels", "all");
        var before = cache.Statistics();
        await cache.InvalidateAsync("rules");
        var after = cache.Statistics();

        Assert.Equal(2, before.Hits);
        Assert.Equal(2, before.Misses);
        Assert.Equal(50, before.HitRatePercent);
        Assert.Equal(2, before.Entries);
        Assert.Equal(1, after.Entries);
        Assert.Equal("test", after.Invalidation);
    }

    [Fact]
    public async Task Received_FromAnotherNode_InvalidatesItsOwnIgnored()
    {
        var cache = Cache();
        await Read(cache, "rules", "all");

        cache.Received(new CacheInvalidation(cache.NodeId, "rules"));
        var afterOwn = await Read(cache, "rules", "all");
        cache.Received(new CacheInvalidation("another-node", "rules"));
        var afterOther = await Read(cache, "rules", "all");

        Assert.Equal(1, afterOwn);
        Assert.Equal(2, afterOther);
    }

    [Fact]
    public async Task SetTrusted_FalseReadsTheSourceTrueAgainDropsWhatWasCached()
    {
        var cache = Cache();
        await Read(cache, "rules", "all");

        cache.SetTrusted(false);
        var untrusted1 = await Read(cache, "rules", "all");
        var untrusted2 = await Read(cache, "rules", "all");
        cache.SetTrusted(true);
        var trusted1 = await Read(cache, "rules", "all");
        var trusted2 = await Read(cache, "rules", "all");

        Assert.Equal([2, 3, 4, 4], new[] { untrusted1, untrusted2, trusted1, trusted2 });
        Assert.True(cache.Statistics().Trusted);
    }

    [Fact]
    public async Task InvalidateAsync_DuringALoad_LaterReadsDoNotGetTheOlderLoad()
    {
        var cache = Cache();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stale = cache.GetOrCreateAsync("rules", "all", CacheTier.Short, async _ =>
        {
            started.SetResult();
            return await release.Task;
        }).AsTask();
        await started.Task;

        await cache.InvalidateAsync("rules");
        var fresh = await cache.GetOrCreateAsync("rules", "all", CacheTier.Short, _ => ValueTask.FromResult(2));
        release.SetResult(1);
        var older = await stale;
        var later = await cache.GetOrCreateAsync("rules", "all", CacheTier.Short, _ => ValueTask.FromResult(3));

        Assert.Equal(1, older);
        Assert.Equal(2, fresh);
        Assert.Equal(2, later);
    }

    [Fact]
    public async Task InvalidateAsync_BusFails_StillInvalidatesHereAndDoesNotThrow()
    {
        _bus.Fail = true;
        var cache = Cache();
        await Read(cache, "rules", "all");

        await cache.InvalidateAsync("rules");

        Assert.Equal(2, await Read(cache, "rules", "all"));
    }

    [Fact]
    public async Task GetOrCreateAsync_Disabled_EveryReadGoesToTheSource()
    {
        var cache = Cache(new CacheOptions { Enabled = false });

        await Read(cache, "rules", "all");
        await Read(cache, "rules", "all");

        Assert.Equal(2, _loads);
        Assert.Equal(0, cache.Statistics().Hits);
    }

    [Theory]
    [InlineData(120, 60, 600, "Vigil:Cache:Medium")]
    [InlineData(60, 300, 200, "Vigil:Cache:Long")]
    public void CacheOptions_TiersOutOfOrder_FailNamingTheSetting(int shortSeconds, int mediumSeconds, int longSeconds, string named)
    {
        var options = new CacheOptions { Short = TimeSpan.FromSeconds(shortSeconds), Medium = TimeSpan.FromSeconds(mediumSeconds), Long = TimeSpan.FromSeconds(longSeconds) };

        var results = new List<ValidationResult>();
        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(named, Assert.Single(results).ErrorMessage, StringComparison.Ordinal);
    }

    private VigilCache Cache(CacheOptions? options = null) =>
        new(_services.GetRequiredService<HybridCache>(), Options.Create(options ?? new CacheOptions()), _bus, _time, NullLogger<VigilCache>.Instance);

    private ValueTask<int> Read(VigilCache cache, string tag, string key, CacheTier tier = CacheTier.Short) =>
        cache.GetOrCreateAsync(tag, key, tier, _ => ValueTask.FromResult(Interlocked.Increment(ref _loads)));

    /// <summary>A bus that records what is sent (and can fail), for a cache that trusts itself from the start.</summary>
    private sealed class RecordingBus : ICacheInvalidationBus
    {
        public List<CacheInvalidation> Published { get; } = [];

        public bool Fail { get; set; }

        public string Name => "test";

        public bool RemoteNodes => false;

        public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new InvalidOperationException("the bus is down");
            }

            Published.Add(invalidation);
            return ValueTask.CompletedTask;
        }

        public Task ListenAsync(VigilCache cache, CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
