using System.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Delivery.Channels;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;
using Vigil.Testing;

namespace Vigil.Delivery.Tests;

/// <summary>
/// The delivery pipeline put together as a library user would: a host with logging, a fake clock,
/// a migrated database of the provider under test, Data Protection, the alert repository with the
/// outbox and <c>AddVigilDelivery</c>. The job processor runs as the host's hosted service.
/// </summary>
public abstract class DeliveryTestBase(StorageProvider provider) : IAsyncLifetime
{
    /// <summary>A Monday noon, UTC: on every digest window boundary.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<IHost> _hosts = [];
    private TestDatabase _testDatabase = null!;

    protected StorageProvider Provider { get; } = provider;

    /// <summary>The clock of the hosts (unless a test gives one its own).</summary>
    protected FakeTimeProvider Time { get; } = new(T0);

    /// <summary>One key ring for every host of a test, as a shared key ring would be between processes.</summary>
    protected IDataProtectionProvider Protection { get; } = new EphemeralDataProtectionProvider();

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(Provider);
        await using var database = new Database(_testDatabase.Options);
        await new Migrator(database, [JobQueue.Migrations]).MigrateAsync(T0.ToUnixTimeMilliseconds());
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            if (host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }

        await _testDatabase.DisposeAsync();
    }

    /// <summary>A host of the delivery pipeline on the test's database; started (its job processor running) when <paramref name="start"/>.</summary>
    protected async Task<IHost> CreateHostAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, bool start = true)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receivers listen on loopback
            ["Vigil:Jobs:ShutdownTimeout"] = "00:00:00",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        var clock = time ?? Time;
        var services = builder.Services;
        services.AddLogging();
        services.AddSingleton(clock);
        services.AddSingleton(_ => new Database(_testDatabase.Options));
        services.AddSingleton(Protection);
        services.AddSingleton(_ => new MetricStore(new MetricsOptions(), clock));
        services.AddSingleton<RuleRepository>();
        services.AddSingleton<AlertRepository>();
        services.AddVigilDelivery(builder.Configuration);
        var host = builder.Build();
        _hosts.Add(host);
        if (start)
        {
            await host.StartAsync();
        }

        return host;
    }

    /// <summary>Stores a webhook channel to <paramref name="receiver"/>, as the channel API would.</summary>
    private protected static async Task<ChannelDefinition> AddWebhookChannelAsync(IHost host, string id, WebhookReceiver receiver, Func<ChannelDefinition, ChannelDefinition>? shape = null)
    {
        var channel = new ChannelDefinition(id, id, ChannelType.Webhook, new WebhookChannelConfig(receiver.Url($"/{id}").ToString(), null, null));
        channel = shape?.Invoke(channel) ?? channel;
        var store = host.Services.GetRequiredService<ChannelStore>();
        var nowMs = T0.ToUnixTimeMilliseconds();
        Assert.True(await host.Services.GetRequiredService<ChannelRepository>().InsertAsync(store.ToStored(channel, null, nowMs, nowMs, 1)));
        await store.InvalidateAsync();
        return channel;
    }

    /// <summary>The lifecycle step of a rule firing for one route: a new alert, its transitions and one notification intent.</summary>
    protected static LifecycleResult Fire(string route, IReadOnlyList<string> channels, Severity severity, DateTimeOffset at)
    {
        var rule = new AlertRule { Id = "slow", Name = "Slow route", Metric = "latency_ms", Threshold = 1000, Severity = severity, Channels = channels };
        var result = AlertLifecycle.Evaluate(rule, null, new GroupEvaluation(LabelSet.From([new("route", route)]), ConditionState.Met, 1500, 1000, 20, false), at, null, false, () => "alert" + route.Replace('/', '-'));
        Assert.Single(result.Intents);
        return result;
    }

    /// <summary>Moves the clock and wakes the hosts' processors, which then see what became due.</summary>
    protected void Advance(TimeSpan by)
    {
        Time.Advance(by);
        foreach (var host in _hosts)
        {
            host.Services.GetRequiredService<JobSignal>().Pulse();
        }
    }

    protected static Task<IReadOnlyList<JobInfo>> JobsAsync(IHost host, string? type = null) =>
        host.Services.GetRequiredService<JobQueue>().ListAsync(type: type);

    /// <summary>Waits until a job is in <paramref name="state"/>; returns it.</summary>
    protected static async Task<JobInfo> JobReachesAsync(IHost host, long id, JobState state, int? attempts = null)
    {
        var queue = host.Services.GetRequiredService<JobQueue>();
        return (await EventuallyAsync(() => queue.GetAsync(id), j => j is not null && j.State == state && (attempts is null || j.Attempts == attempts)))!;
    }

    /// <summary>Waits until the receiver has answered <paramref name="count"/> requests.</summary>
    private protected static async Task<IReadOnlyList<ReceivedWebhook>> AnsweredAsync(WebhookReceiver receiver, int count) =>
        await EventuallyAsync(() => Task.FromResult(receiver.Requests), r => r.Count >= count);

    /// <summary>Reads until <paramref name="done"/> holds (the background processor has done its part), at most 30 s of real time.</summary>
    protected static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var waited = Stopwatch.StartNew();
        var value = await read();
        while (!done(value))
        {
            if (waited.Elapsed > Patience)
            {
                Assert.Fail($"Not reached within {Patience.TotalSeconds} s; last seen: {Describe(value)}");
            }

            await Task.Delay(20);
            value = await read();
        }

        return value;
    }

    private static string Describe(object? value) => value switch
    {
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object>()) + "]",
        _ => value?.ToString() ?? "null",
    };
}
