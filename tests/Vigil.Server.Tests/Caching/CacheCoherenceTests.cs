using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Alerts;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Caching;

namespace Vigil.Server.Tests.Caching;

/// <summary>
/// The read cache on one node: a rule or channel changed over HTTP is the one the engine, the
/// API and delivery use right after (no waiting for a lifetime), and the cache's counts reach
/// <c>/api/health/advanced</c>.
/// </summary>
public abstract class CacheCoherenceTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false", // the test runs the passes
        ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the loopback receiver
    };

    private const string RuleBody = """
        {"name":"Slow route","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p95",
         "windowMinutes":5,"minDataPoints":5,"thresholdType":"static","threshold":1000,"comparison":"greater_than",
         "severity":"critical","cooldownMinutes":15,"channels":[]}
        """;

    [Fact]
    public async Task RulePatched_NextPassAndReadsUseTheNewThreshold()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody)).ReadAsync()).GetProperty("id").GetString()!;
        await PushAsync(client, app, 500, 20);
        await RunPassAsync(app);
        Assert.Empty(await AlertsAsync(client, ruleId)); // 500 ms is under 1 000; the rules are cached now
        Assert.Equal(1000, (await (await client.GetAsync($"/api/v1/alerts/rules/{ruleId}")).ReadAsync()).GetProperty("threshold").GetDouble());

        var patched = await client.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Json.Body("""{"threshold":100}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await RunPassAsync(app);

        var alert = Assert.Single(await AlertsAsync(client, ruleId));
        Assert.Equal(100, alert.GetProperty("threshold").GetDouble());
        Assert.Equal(100, (await (await client.GetAsync($"/api/v1/alerts/rules/{ruleId}")).ReadAsync()).GetProperty("threshold").GetDouble());
        var listed = (await (await client.GetAsync("/api/v1/alerts/rules")).ReadAsync()).EnumerateArray().Single(r => r.GetProperty("id").GetString() == ruleId);
        Assert.Equal(100, listed.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task RuleDeleted_GoneFromTheEngineAndTheApiAtOnce()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody)).ReadAsync()).GetProperty("id").GetString()!;
        var engineRules = app.Services.GetRequiredService<IRuleSource>();
        Assert.Contains(await engineRules.GetRulesAsync(CancellationToken.None), r => r.Id == ruleId);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/alerts/rules/{ruleId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/alerts/rules/{ruleId}")).StatusCode);

        Assert.DoesNotContain(await engineRules.GetRulesAsync(CancellationToken.None), r => r.Id == ruleId);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/alerts/rules/{ruleId}")).StatusCode);
        Assert.DoesNotContain((await (await client.GetAsync("/api/v1/alerts/rules")).ReadAsync()).EnumerateArray(), r => r.GetProperty("id").GetString() == ruleId);
    }

    [Fact]
    public async Task ChannelPatchedThenDeleted_DeliveryUsesTheNewUrlThenNone()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var created = await client.PostJsonAsync("/api/v1/channels", $$$"""{"name":"ops","type":"webhook","config":{"url":"{{{receiver.Url("/before")}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadAsync()).GetProperty("id").GetString()!;
        Assert.True((await (await client.PostAsync($"/api/v1/channels/{id}/test", null)).ReadAsync()).GetProperty("delivered").GetBoolean());

        var patched = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body($$$"""{"config":{"url":"{{{receiver.Url("/after")}}}"}}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.True((await (await client.PostAsync($"/api/v1/channels/{id}/test", null)).ReadAsync()).GetProperty("delivered").GetBoolean());
        Assert.Equal(["/before", "/after"], receiver.Requests.Select(r => r.Path));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/channels/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v1/channels/{id}/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/channels/{id}")).StatusCode);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task AdvancedHealth_ReportsTheCacheHitRateAndItsTarget()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        // On PostgreSQL the cache answers (and counts hits) once it hears invalidations, and starting
        // to hear them drops what it held: the reads below must come after that.
        await app.Services.GetRequiredService<VigilCache>().FirstTrusted.WaitAsync(TimeSpan.FromSeconds(60));
        (await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody)).EnsureSuccessStatusCode();
        for (var i = 0; i < 4; i++)
        {
            (await client.GetAsync("/api/v1/alerts/rules")).EnsureSuccessStatusCode();
        }

        var details = (await (await client.GetAsync("/api/health/advanced")).ReadAsync()).GetProperty("checks").GetProperty("advanced").GetProperty("details");

        var cache = details.GetProperty("cache");
        Assert.True(cache.GetProperty("hits").GetInt64() >= 3, cache.ToString());
        Assert.True(cache.GetProperty("entries").GetInt32() >= 1, cache.ToString());
        Assert.Equal(Provider == StorageProvider.Postgres ? "postgres" : "local", cache.GetProperty("invalidation").GetString());
        var rate = cache.GetProperty("hitRate").GetDouble();
        Assert.InRange(rate, 0.01, 100);
        var target = details.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("metric").GetString() == "cacheHitRate");
        Assert.Equal(rate, target.GetProperty("value").GetDouble());
        Assert.Equal(rate > 75, target.GetProperty("pass").GetBoolean());
    }

    private static async Task PushAsync(HttpClient client, VigilApp app, double ms, int count) =>
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", Enumerable.Repeat(ms, count), """{"route":"/slow"}""", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();

    private static Task RunPassAsync(VigilApp app) => app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);

    private static async Task<JsonElement[]> AlertsAsync(HttpClient client, string ruleId) =>
        [.. (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray()];
}

public sealed class SqliteCacheCoherenceTests() : CacheCoherenceTests(StorageProvider.Sqlite);

public sealed class PostgresCacheCoherenceTests() : CacheCoherenceTests(StorageProvider.Postgres);
