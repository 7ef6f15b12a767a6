using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Queries;
using Vigil.Storage;

namespace Vigil.Server.Tests.Queries;

/// <summary>
/// The limits on heavy reads (issue 9, Medium 7), through the real server: the cost budget
/// (<c>Vigil:Queries:MaxCost</c>) refuses a query before its work, the query slots
/// (<c>MaxConcurrent</c>, <c>MaxQueued</c>) answer 429 when full without touching ingest or
/// evaluation, and a query stops on its timeout or when its client goes away. Slots are held
/// through the server's own <see cref="QueryGate"/>; time moves on the fake clock only.
/// </summary>
public abstract class QueryLimitsTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetSeries_OverTheBudget_422NamingTheLimitAndTheStep()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxCost"] = "1000" });
        var client = app.Admin();
        await PushGaugesAsync(client, app, series: 20);

        // 20 series × 360 steps of 10 s over the last hour = 7 200 units.
        var response = await client.GetAsync("/api/v1/series?metric=load&agg=max&step=10s");

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.Contains("Vigil:Queries:MaxCost", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1000, problem.GetProperty("maxCost").GetInt64());
        Assert.Equal(7200, problem.GetProperty("cost").GetInt64());
        Assert.Contains("larger step", problem.GetProperty("errors").GetProperty("step")[0].GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("match", out _));
    }

    [Fact]
    public async Task GetSeries_UnderTheBudget_AnswersEverySeries()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxCost"] = "1000" });
        var client = app.Admin();
        await PushGaugesAsync(client, app, series: 20);

        // The same data: 20 series × 6 steps of 10 min, or one series × 360 steps.
        var coarse = await client.GetAsync("/api/v1/series?metric=load&agg=max&step=10m");
        var narrow = await client.GetAsync("/api/v1/series?metric=load&agg=max&step=10s&match[host]=h7");

        Assert.Equal(HttpStatusCode.OK, coarse.StatusCode);
        var series = (await coarse.ReadAsync()).GetProperty("series").EnumerateArray().ToDictionary(
            s => s.GetProperty("labels").GetProperty("host").GetString()!, s => s.GetProperty("points").EnumerateArray().Last()[1].GetDouble());
        Assert.Equal(20, series.Count);
        Assert.Equal(7, series["h7"]);
        Assert.Equal(HttpStatusCode.OK, narrow.StatusCode);
        var one = Assert.Single((await narrow.ReadAsync()).GetProperty("series").EnumerateArray());
        Assert.Equal(7, one.GetProperty("points").EnumerateArray().Last()[1].GetDouble());
    }

    [Fact]
    public async Task StoredHistory_RowsOverTheBudget_SeriesAndRuleTestRefusedBeforeReading()
    {
        // 120 stored minutes × 10 units a row = 1 200 units over 06:00-08:00.
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxCost"] = "1000" });
        var client = app.Admin();
        var start = new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);
        await PushHistoryAsync(client, start, minutes: 120);
        var range = $"from={Json.Iso(start)}&to={Json.Iso(start.AddHours(2))}";

        var series = await client.GetAsync($"/api/v1/series?metric=http_request_duration_ms&agg=count&step=1h&{range}");
        var ruleTest = await client.PostJsonAsync($"/api/v1/alerts/rules/test?{range}&step=1h", RuleBody("http_request_duration_ms"));
        var shorter = await client.GetAsync($"/api/v1/series?metric=http_request_duration_ms&agg=count&step=30m&from={Json.Iso(start)}&to={Json.Iso(start.AddMinutes(30))}");

        foreach (var refused in new[] { series, ruleTest })
        {
            Assert.Equal((HttpStatusCode)422, refused.StatusCode);
            var problem = await refused.ReadAsync();
            Assert.Contains("Vigil:Queries:MaxCost", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.GetProperty("cost").GetInt64() > 1000);
            Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
        }

        Assert.Equal(HttpStatusCode.OK, shorter.StatusCode);
        var point = Assert.Single(Assert.Single((await shorter.ReadAsync()).GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray());
        Assert.Equal(30, point[1].GetDouble());
    }

    [Fact]
    public async Task GetMetricsSummary_MoreJobSeriesThanTheBudget_422()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxCost"] = "3" });
        var client = app.Admin();
        var executions = string.Join(',', Enumerable.Range(0, 4).Select(i => $$"""{"jobId":"job-{{i}}","success":true,"durationMs":100}"""));
        (await client.PostJsonAsync("/api/v1/jobs/executions", $$"""{"executions":[{{executions}}]}""")).EnsureSuccessStatusCode();

        var summary = await client.GetAsync("/api/v1/metrics");

        Assert.Equal((HttpStatusCode)422, summary.StatusCode);
        Assert.Contains("Vigil:Queries:MaxCost", (await summary.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queries_EverySlotBusy_429WithRetryAfter_WhileIngestAndEvaluationCarryOn()
    {
        var settings = VigilApp.ManualPasses();
        settings["Vigil:Queries:MaxConcurrent"] = "1";
        settings["Vigil:Queries:MaxQueued"] = "0";
        await using var app = StartApp(settings: settings);
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client, "load");
        var gate = app.Services.GetRequiredService<QueryGate>();

        using (var held = await gate.AcquireAsync("key:test-holder", CancellationToken.None))
        {
            Assert.True(held.IsAcquired);

            var series = await client.GetAsync("/api/v1/series?metric=load");
            var scrape = await client.GetAsync("/metrics");
            var ingest = await client.PostJsonAsync("/api/v1/metrics", Gauge("load", 500, "h1", app.Time.GetUtcNow().AddSeconds(-5)));
            await app.RunPassAsync();
            var alerts = await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}");

            foreach (var refused in new[] { series, scrape })
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.Equal(TimeSpan.FromSeconds(QueryGateMiddleware.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
                Assert.Contains("Vigil:Queries:MaxConcurrent", (await refused.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
            var alert = Assert.Single((await alerts.ReadAsync()).EnumerateArray());
            Assert.Equal("firing", alert.GetProperty("status").GetString());
        }

        var afterwards = await client.GetAsync("/api/v1/series?metric=load");
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Fact]
    public async Task GetSeries_KeyOverItsShare_429WithRetryAfter_WhileAnotherKeyGetsTheFreeSlot()
    {
        // 2 slots, 1 per key by default; a queue of 2, 1 per key.
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxConcurrent"] = "2", ["Vigil:Queries:MaxQueued"] = "2" });
        var (flooderId, flooder) = await CreateViewerAsync(app);
        var (_, other) = await CreateViewerAsync(app);
        var gate = app.Services.GetRequiredService<QueryGate>();
        var running = await gate.AcquireAsync(KeyPartition(flooderId), CancellationToken.None);

        var queued = flooder.GetAsync("/api/v1/series?metric=load");
        await UntilAsync(() => gate.QueuedOf(KeyPartition(flooderId)) == 1);
        var refused = await flooder.GetAsync("/api/v1/series?metric=load");
        var served = await other.GetAsync("/api/v1/series?metric=load");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(QueryGateMiddleware.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Vigil:Queries:MaxQueuedPerKey", (await refused.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.False(queued.IsCompleted);

        running.Dispose();
        Assert.Equal(HttpStatusCode.OK, (await queued.WaitAsync(Patience)).StatusCode);
    }

    [Fact]
    public async Task GetSeries_OneKeyFloodsTheQueue_AnotherKeysQueryGetsTheNextSlot()
    {
        // 1 slot; a queue of 4, 2 per key.
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxConcurrent"] = "1", ["Vigil:Queries:MaxQueued"] = "4" });
        var (floodId, flood) = await CreateViewerAsync(app);
        var (otherId, other) = await CreateViewerAsync(app);
        var gate = app.Services.GetRequiredService<QueryGate>();
        var running = await gate.AcquireAsync(KeyPartition(floodId), CancellationToken.None);
        var flooding = new List<Task<HttpResponseMessage>>();
        for (var i = 1; i <= 2; i++)
        {
            flooding.Add(flood.GetAsync("/api/v1/series?metric=load"));
            await UntilAsync(() => gate.QueuedOf(KeyPartition(floodId)) == i);
        }

        var late = other.GetAsync("/api/v1/series?metric=load");
        await UntilAsync(() => gate.QueuedOf(KeyPartition(otherId)) == 1);

        // The freed slot is handed over at once: to the key that came last but runs nothing.
        running.Dispose();

        Assert.Equal(0, gate.QueuedOf(KeyPartition(otherId)));
        Assert.Equal(2, gate.QueuedOf(KeyPartition(floodId)));
        Assert.Equal(HttpStatusCode.OK, (await late.WaitAsync(Patience)).StatusCode);
        foreach (var response in await Task.WhenAll(flooding).WaitAsync(Patience))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task GetSeries_WaitingPastTheTimeout_503NamingTheTimeout()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxConcurrent"] = "1", ["Vigil:Queries:MaxQueued"] = "1", ["Vigil:Queries:Timeout"] = "00:00:15" });
        var client = app.Admin();
        var gate = app.Services.GetRequiredService<QueryGate>();
        using var held = await gate.AcquireAsync("key:test-holder", CancellationToken.None);

        var pending = client.GetAsync("/api/v1/series?metric=load");
        await UntilAsync(() => gate.Queued == 1);
        app.Time.Advance(TimeSpan.FromSeconds(15));
        var response = await pending.WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Vigil:Queries:Timeout", (await response.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public async Task GetSeries_ClientGoesAway_QueryLeavesTheQueueAndItsSlotStaysFree()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Queries:MaxConcurrent"] = "1", ["Vigil:Queries:MaxQueued"] = "1" });
        var client = app.Admin();
        var gate = app.Services.GetRequiredService<QueryGate>();
        var held = await gate.AcquireAsync("key:test-holder", CancellationToken.None);
        using var disconnect = new CancellationTokenSource();

        var pending = client.GetAsync("/api/v1/series?metric=load", disconnect.Token);
        await UntilAsync(() => gate.Queued == 1);
        await disconnect.CancelAsync();
        await UntilAsync(() => gate.Queued == 0);
        held.Dispose();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Patience));
        Assert.Equal(0, gate.Running);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/series?metric=load")).StatusCode);
    }

    private static string KeyPartition(string keyId) => "key:" + keyId;

    private static async Task<(string Id, HttpClient Client)> CreateViewerAsync(VigilApp app)
    {
        var response = await app.Admin().PostJsonAsync("/api/v1/keys", $$"""{"name":"viewer {{Guid.NewGuid():N}}","role":"viewer"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        return (created.GetProperty("id").GetString()!, app.WithKey(created.GetProperty("key").GetString()));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            // Polls a condition of the server (the limiter's queue), on the real clock.
            await Task.Delay(TimeSpan.FromMilliseconds(5), timeout.Token);
        }
    }

    private static async Task PushGaugesAsync(HttpClient client, VigilApp app, int series)
    {
        var at = app.Time.GetUtcNow().AddSeconds(-5);
        var points = string.Join(',', Enumerable.Range(0, series).Select(i => PointJson("load", i, $"h{i}", at)));
        (await client.PostJsonAsync("/api/v1/metrics", $$"""{"points":[{{points}}]}""")).EnsureSuccessStatusCode();
    }

    private static async Task PushHistoryAsync(HttpClient client, DateTimeOffset start, int minutes)
    {
        var points = new StringBuilder();
        for (var minute = 0; minute < minutes; minute++)
        {
            points.Append(minute == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $$"""{"name":"http_request_duration_ms","type":"timing","value":100,"labels":{"route":"/a"},"timestamp":"{{Json.Iso(start.AddMinutes(minute).AddSeconds(5))}}"}""");
        }

        (await client.PostJsonAsync("/api/v1/metrics", $$"""{"points":[{{points}}]}""")).EnsureSuccessStatusCode();
    }

    private static string Gauge(string name, double value, string host, DateTimeOffset at) => $$"""{"points":[{{PointJson(name, value, host, at)}}]}""";

    private static string PointJson(string name, double value, string host, DateTimeOffset at) =>
        $$"""{"name":"{{name}}","type":"gauge","value":{{value.ToString(CultureInfo.InvariantCulture)}},"labels":{"host":"{{host}}"},"timestamp":"{{Json.Iso(at)}}"}""";

    private static string RuleBody(string metric) => $$"""
        {"name":"High {{metric}}","metric":"{{metric}}","aggregation":"max","windowMinutes":1,"minDataPoints":1,
         "thresholdType":"static","threshold":100,"comparison":"greater_than","severity":"warning","forSeconds":0}
        """;

    private static async Task<string> CreateRuleAsync(HttpClient client, string metric)
    {
        var response = await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody(metric));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }
}

public sealed class SqliteQueryLimitsTests() : QueryLimitsTests(StorageProvider.Sqlite);

public sealed class PostgresQueryLimitsTests() : QueryLimitsTests(StorageProvider.Postgres);
