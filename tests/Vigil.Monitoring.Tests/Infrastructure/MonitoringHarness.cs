using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;
using Vigil.Monitoring.Alerts;
using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Monitoring.Scheduling;
using Vigil.Storage;
using Vigil.Storage.Monitors;
using Vigil.Testing;

namespace Vigil.Monitoring.Tests.Infrastructure;

/// <summary>
/// Monitors as the server wires them (<c>AddVigilMonitoring</c> on <c>AddVigilNotifications</c>), on a
/// real migrated database and a fake clock, with a recording alert sink. 127.0.0.1 is allow-listed
/// (as the channel tests do it) unless the test says otherwise.
/// </summary>
internal sealed class MonitoringHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset StartTime = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;
    private readonly TestDatabase _database;
    private bool _started;

    private MonitoringHarness(ServiceProvider provider, TestDatabase database, FakeTimeProvider time)
    {
        _provider = provider;
        _database = database;
        Time = time;
    }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _provider;

    public MonitorChecker Checker => _provider.GetRequiredService<MonitorChecker>();

    public MonitorScheduler Scheduler => _provider.GetRequiredService<MonitorScheduler>();

    public MonitorRepository Repository => _provider.GetRequiredService<MonitorRepository>();

    public MetricStore Metrics => _provider.GetRequiredService<MetricStore>();

    public RecordingAlertSink Alerts => (RecordingAlertSink)_provider.GetRequiredService<IMonitorAlertSink>();

    public MonitoringOptions Options => _provider.GetRequiredService<IOptions<MonitoringOptions>>().Value;

    public static async Task<MonitoringHarness> CreateAsync(StorageProvider provider = StorageProvider.Sqlite, bool allowLoopback = true, DateTimeOffset? start = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var time = new FakeTimeProvider(start ?? StartTime);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(new Database(database.Options));
        services.AddSingleton(new MetricStore(new MetricsOptions(), time));
        services.AddVigilNotifications(options =>
        {
            if (allowLoopback)
            {
                options.AllowedHosts.Add("127.0.0.1");
                options.AllowedHosts.Add("localhost");
            }
        });
        services.AddSingleton<IMonitorAlertSink, RecordingAlertSink>();
        services.AddVigilMonitoring(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build());
        var built = services.BuildServiceProvider(validateScopes: true);
        await new Migrator(built.GetRequiredService<Database>()).MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds());
        return new MonitoringHarness(built, database, time);
    }

    /// <summary>A definition from JSON, as the API reads it; fails the test when it is invalid.</summary>
    public MonitorDefinition Define(string json, string id = "m1")
    {
        using var document = JsonDocument.Parse(json);
        var parsed = MonitorJson.Parse(document.RootElement, id, Options);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return parsed.Definition!;
    }

    /// <summary>Stores a monitor (as the API does) and tells the scheduler.</summary>
    public async Task<MonitorDefinition> AddAsync(string json, string id = "m1", string? token = null)
    {
        var definition = Define(json, id);
        var nowMs = Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.True(await Repository.InsertAsync(new StoredMonitor
        {
            Id = id,
            Name = definition.Name,
            Type = definition.Type.ToWire(),
            Enabled = definition.Enabled,
            IntervalSeconds = definition.IntervalSeconds,
            Definition = MonitorJson.Write(definition).ToJsonString(),
            HeartbeatToken = token,
            CreatedAtMs = nowMs,
            UpdatedAtMs = nowMs,
            Version = 1,
        }));
        if (_started)
        {
            Scheduler.RequestReload();
        }

        return definition;
    }

    /// <summary>Starts the scheduler (the hosted service) and waits for its first reading of the monitors.</summary>
    public async Task StartAsync()
    {
        _started = true;
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Loaded() => loaded.TrySetResult();
        Scheduler.Reloaded += Loaded;
        await Scheduler.StartAsync(CancellationToken.None);
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Scheduler.Reloaded -= Loaded;
    }

    /// <summary>A task that completes with the next <paramref name="count"/> checks of a monitor (subscribe before acting).</summary>
    public Task<List<MonitorTransition>> NextChecksAsync(string monitorId, int count = 1)
    {
        var done = new TaskCompletionSource<List<MonitorTransition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new List<MonitorTransition>();
        void Handler(string id, MonitorTransition transition)
        {
            if (id != monitorId)
            {
                return;
            }

            lock (seen)
            {
                seen.Add(transition);
                if (seen.Count == count)
                {
                    Scheduler.CheckCompleted -= Handler;
                    done.TrySetResult([.. seen]);
                }
            }
        }

        Scheduler.CheckCompleted += Handler;
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await Scheduler.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
        await _database.DisposeAsync();
    }
}
