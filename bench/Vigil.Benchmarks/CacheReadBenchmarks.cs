using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Caching;

namespace Vigil.Benchmarks;

/// <summary>
/// The rule list as the engine, the API and the dashboard read it: straight from the database
/// (SQLite file, 50 rules) against through the read cache (<see cref="VigilCache"/>), a hit.
/// </summary>
[MemoryDiagnoser]
public class CacheReadBenchmarks
{
    private string _folder = null!;
    private Database _database = null!;
    private RuleRepository _repository = null!;
    private RuleCache _cached = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("vigil-cache-bench-").FullName;
        (_database, _repository, _cached, _, _services) = CacheFixture.CreateAsync(_folder, rules: 50).GetAwaiter().GetResult();
        _cached.ListAsync().AsTask().GetAwaiter().GetResult(); // warm: the benchmark measures hits
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _database.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "rule list from the database")]
    public async Task<int> Database_() => (await _repository.ListAsync()).Count;

    [Benchmark(Description = "rule list through VigilCache (hit)")]
    public async Task<int> Cached() => (await _cached.ListAsync()).Count;
}

/// <summary>A SQLite database with rules, and the rule cache over it on one node.</summary>
internal static class CacheFixture
{
    public static async Task<(Database Database, RuleRepository Repository, RuleCache Cached, VigilCache Cache, ServiceProvider Services)> CreateAsync(string folder, int rules, bool enabled = true)
    {
        var database = new Database(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(folder, "vigil.db")}" });
        await new Migrator(database, [Vigil.Jobs.Queue.JobQueue.Migrations]).MigrateAsync(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        var repository = new RuleRepository(database);
        for (var i = 0; i < rules; i++)
        {
            await repository.InsertAsync(Rule($"rule-{i}", 1000 + i), TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var services = new ServiceCollection();
        services.AddHybridCache();
        var provider = services.BuildServiceProvider();
        var cache = new VigilCache(provider.GetRequiredService<HybridCache>(), Options.Create(new CacheOptions { Enabled = enabled }), new LocalInvalidationBus(), TimeProvider.System, NullLogger<VigilCache>.Instance);
        return (database, repository, new RuleCache(repository, cache), cache, provider);
    }

    public static AlertRule Rule(string id, double threshold) => new()
    {
        Id = id,
        Name = id,
        Metric = "http_request_duration_ms",
        Aggregation = Vigil.Core.Metrics.Aggregation.P95,
        WindowMinutes = 5,
        Threshold = threshold,
        Comparison = Comparison.GreaterThan,
        Severity = Severity.Critical,
    };
}
