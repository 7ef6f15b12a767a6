using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.Hosting;
using Vigil.Server.Tests.Infrastructure;

namespace Vigil.Server.Tests.Caching;

/// <summary>
/// Two server processes on one PostgreSQL database: a rule edited through node A is what node B
/// serves and uses long before its cached copy would expire — its invalidation carried by
/// PostgreSQL NOTIFY, or by Redis when configured — and with Redis stopped mid-run node B keeps
/// answering, with current data.
/// </summary>
public sealed class CacheClusterTests : IAsyncLifetime
{
    private const string AdminKey = "cache-cluster-admin-key-0123456789";
    /// <summary>
    /// How soon node B must serve an edit made on node A: well within the 60 s its cached copy
    /// lives, so only an invalidation explains it (it takes milliseconds; a loaded machine's
    /// requests between two processes can take a second and more).
    /// </summary>
    private static readonly TimeSpan InForce = TimeSpan.FromSeconds(10);
    private PostgresNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await PostgresNodes.CreateAsync(AdminKey);

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task RuleEditedOnNodeA_NodeBServesAndUsesItBeforeItsCacheExpires_OverPostgresNotify()
    {
        var (a, b) = await StartNodesAsync(Environment());
        await using (a)
        await using (b)
        {
            var (nodeA, nodeB) = (a.Client(AdminKey), b.Client(AdminKey));
            Assert.Equal("postgres", (await CacheReportAsync(nodeB)).GetProperty("invalidation").GetString());

            await EditOnASeenAndUsedOnBAsync(nodeA, nodeB);
        }
    }

    [Fact]
    public async Task RuleEditedOnNodeA_NodeBServesAndUsesItBeforeItsCacheExpires_OverRedis_ThenRedisStopsAndBStillServesCurrentData()
    {
        await using var redis = await RedisInstance.StartAsync();
        var environment = Environment();
        environment["Vigil__Redis__ConnectionString"] = redis.ConnectionString;
        var (a, b) = await StartNodesAsync(environment);
        await using (a)
        await using (b)
        {
            var (nodeA, nodeB) = (a.Client(AdminKey), b.Client(AdminKey));
            Assert.Equal("redis", (await CacheReportAsync(nodeB)).GetProperty("invalidation").GetString());
            var ruleId = await EditOnASeenAndUsedOnBAsync(nodeA, nodeB);

            await redis.StopAsync();

            // The edit on A succeeds (its invalidation cannot be sent: logged, not returned), and B,
            // which cannot hear invalidations any more, reads from the database: the new value.
            var patched = await nodeA.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Json.Body("""{"threshold":50}"""));
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            await WaitUntilAsync(async () => await ThresholdAsync(nodeB, ruleId) == 50, TimeSpan.FromSeconds(30), "node B serves the rule edited while Redis was down");
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(50, await ThresholdAsync(nodeB, ruleId));
                Assert.Equal(HttpStatusCode.OK, (await nodeB.GetAsync("/api/v1/alerts/rules")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await nodeB.GetAsync("/api/v1/channels")).StatusCode);
            }

            Assert.False((await CacheReportAsync(nodeB)).GetProperty("trusted").GetBoolean());
        }
    }

    /// <summary>
    /// A creates a channel and a rule; B reads the rule (caching it, and its engine's rule list);
    /// A changes the threshold and routes the rule to the channel; within <see cref="InForce"/> B's GET shows
    /// the new threshold, and B's own rule list — the one its engine evaluates — refuses to
    /// delete the channel the rule now uses.
    /// </summary>
    private static async Task<string> EditOnASeenAndUsedOnBAsync(HttpClient nodeA, HttpClient nodeB)
    {
        var channel = await nodeA.PostJsonAsync("/api/v1/channels", """{"name":"ops","type":"webhook","config":{"url":"http://127.0.0.1:9/hook"}}""");
        Assert.Equal(HttpStatusCode.Created, channel.StatusCode);
        var channelId = (await channel.ReadAsync()).GetProperty("id").GetString()!;
        var rule = await nodeA.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Slow route","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p95","windowMinutes":5,"minDataPoints":5,
             "thresholdType":"static","threshold":1000,"comparison":"greater_than","severity":"critical","cooldownMinutes":15,"channels":[]}
            """);
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        var ruleId = (await rule.ReadAsync()).GetProperty("id").GetString()!;
        await WaitUntilAsync(async () => await ThresholdAsync(nodeB, ruleId) == 1000, TimeSpan.FromSeconds(30), "node B serves the new rule");
        Assert.Equal(HttpStatusCode.NotFound, (await nodeB.DeleteAsync("/api/v1/channels/not-a-channel")).StatusCode); // B's engine rule list, cached
        var before = await CacheReportAsync(nodeB);
        Assert.True(before.GetProperty("trusted").GetBoolean(), before.ToString()); // B answers from its cache, not the database
        Assert.Equal(1000, await ThresholdAsync(nodeB, ruleId));
        Assert.True((await CacheReportAsync(nodeB)).GetProperty("hits").GetInt64() > before.GetProperty("hits").GetInt64());

        var patched = await nodeA.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Json.Body($$"""{"threshold":100,"channels":["{{channelId}}"]}"""));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        await WaitUntilAsync(async () => await ThresholdAsync(nodeB, ruleId) == 100, InForce, "node B serves the edited rule");
        var inUse = await nodeB.DeleteAsync($"/api/v1/channels/{channelId}");
        Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
        Assert.Contains(ruleId, (await inUse.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        return ruleId;
    }

    private static Dictionary<string, string> Environment() => new()
    {
        ["Vigil__Health__CacheDuration"] = "00:00:00", // each /api/health/advanced read is current
    };

    private async Task<(ServerProcess A, ServerProcess B)> StartNodesAsync(Dictionary<string, string> environment) =>
        (await _nodes.StartAsync(environment), await _nodes.StartAsync(environment));

    private static async Task<double?> ThresholdAsync(HttpClient node, string ruleId)
    {
        var response = await node.GetAsync($"/api/v1/alerts/rules/{ruleId}");
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.StatusCode == HttpStatusCode.OK ? (await response.ReadAsync()).GetProperty("threshold").GetDouble() : null;
    }

    private static async Task<JsonElement> CacheReportAsync(HttpClient node) =>
        (await (await node.GetAsync("/api/health/advanced")).ReadAsync()).GetProperty("checks").GetProperty("advanced").GetProperty("details").GetProperty("cache");

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < limit, $"{what}: not within {limit.TotalSeconds} s");
            await Task.Delay(10);
        }
    }
}
