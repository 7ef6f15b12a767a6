using System.Net;
using Vigil.Server.Tests.Infrastructure;
using Vigil.Storage;

namespace Vigil.Server.Tests.Health;

/// <summary>The redis check against a real redis-server on loopback, registered only when Redis is configured.</summary>
public sealed class RedisHealthTests : ServerTestBase
{
    private RedisInstance _redis = null!;

    public RedisHealthTests()
        : base(StorageProvider.Sqlite)
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _redis = await RedisInstance.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task GetHealthRedis_ServerAnswersThenStops_HealthyThenDegraded200()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Redis:ConnectionString"] = _redis.ConnectionString, ["Vigil:Health:CacheDuration"] = "00:00:00" });
        var client = app.WithKey(null);

        var up = await client.GetAsync("/api/health/redis");
        var full = await (await client.GetAsync("/api/health")).ReadAsync();
        await _redis.StopAsync();
        var down = await client.GetAsync("/api/health/redis");

        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        var redis = (await up.ReadAsync()).GetProperty("checks").GetProperty("redis");
        Assert.Equal("healthy", redis.GetProperty("status").GetString());
        Assert.True(redis.GetProperty("responseTime").GetDouble() > 0);
        Assert.Equal("healthy", full.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());

        // Redis is optional: Vigil serves without it, so its outage degrades and never answers 503.
        Assert.Equal(HttpStatusCode.OK, down.StatusCode);
        var report = await down.ReadAsync();
        Assert.Equal("degraded", report.GetProperty("status").GetString());
        Assert.Equal("degraded", report.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }
}
