using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Alerts;
using Vigil.Storage;

namespace Vigil.Server.Tests.Rules;

/// <summary>
/// Rule tests and backtests over HTTP (<c>POST /api/v1/alerts/rules/{id}/test</c> and
/// <c>/rules/test</c>), and dynamic thresholds whose baseline comes from the stored rollups.
/// History is ingested with past timestamps, which Vigil merges straight into the rollups.
/// </summary>
public abstract class RuleTestEndpointsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private static readonly Dictionary<string, string?> ManualPasses = new() { ["Vigil:Alerts:EvaluationEnabled"] = "false" };

    // The fake clock starts at 12:00; the history runs 06:00-09:00 with a slow stretch 07:00-07:15.
    private static readonly DateTimeOffset HistoryStart = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    private const string RuleBody = """
        {"name":"Slow route","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"avg",
         "windowMinutes":5,"minDataPoints":5,"thresholdType":"static","threshold":1000,"comparison":"greater_than",
         "severity":"warning","cooldownMinutes":15}
        """;

    [Fact]
    public async Task TestSavedRule_ReplaysTheStoredHistory_FiredAndResolvedWhereTheWindowCrossed()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        await PushHistoryAsync(client);
        var ruleId = await CreateRuleAsync(client);
        var viewer = await app.ClientWithRoleAsync("viewer");

        var response = await viewer.PostAsync($"/api/v1/alerts/rules/{ruleId}/test?from={Json.Iso(HistoryStart)}&to={Json.Iso(HistoryStart.AddHours(3))}", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(ruleId, body.GetProperty("ruleId").GetString());
        Assert.False(body.GetProperty("wouldFire").GetBoolean()); // nothing in memory now
        var history = body.GetProperty("history").EnumerateArray().Select(e => (At: e.GetProperty("at").GetDateTimeOffset(), To: e.GetProperty("to").GetString(), Value: e.GetProperty("value").GetDouble())).ToArray();
        // 07:02: the window [06:57, 07:02) holds two slow minutes of five, avg 1260 ms.
        Assert.Equal(
            [(HistoryStart.AddMinutes(62), "pending"), (HistoryStart.AddMinutes(62), "firing"), (HistoryStart.AddMinutes(79), "resolved")],
            history.Select(h => (h.At, h.To)).ToArray());
        Assert.Equal(1260, history[1].Value, 6);
        var summary = body.GetProperty("summary");
        Assert.Equal((1, 1, 1), (summary.GetProperty("firings").GetInt32(), summary.GetProperty("resolutions").GetInt32(), summary.GetProperty("notifications").GetInt32()));

        // What a chart draws: the judged value and the threshold at every step, [unixSeconds, value].
        var series = Assert.Single(body.GetProperty("series").EnumerateArray());
        Assert.Equal("/search", series.GetProperty("labels").GetProperty("route").GetString());
        var points = series.GetProperty("points").EnumerateArray().ToDictionary(p => p[0].GetInt64(), p => p[1].GetDouble());
        Assert.Equal(1260, points[HistoryStart.AddMinutes(62).ToUnixTimeSeconds()], 6);
        Assert.Equal(100, points[HistoryStart.AddMinutes(30).ToUnixTimeSeconds()], 6);
        Assert.All(series.GetProperty("thresholds").EnumerateArray(), t => Assert.Equal(1000, t[1].GetDouble()));
        Assert.Equal(176, series.GetProperty("thresholds").GetArrayLength()); // 06:05-09:00: judged once its history holds a whole window
        Assert.Empty((await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray());
        Assert.Empty((await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task TestUnsavedRule_EvaluatesNowPerGroup_AndStoresNothing()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        await PushHistoryAsync(client);
        await PushNowAsync(client, app, "/search", 2400);
        await PushNowAsync(client, app, "/home", 40);

        var response = await client.PostJsonAsync($"/api/v1/alerts/rules/test?from={Json.Iso(HistoryStart)}&to={Json.Iso(HistoryStart.AddHours(3))}&step=5m", RuleBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("ruleId").ValueKind);
        Assert.True(body.GetProperty("wouldFire").GetBoolean());
        Assert.Equal(2400, body.GetProperty("value").GetDouble(), 6);
        Assert.Equal(1000, body.GetProperty("threshold").GetDouble());
        var groups = body.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("labels").GetProperty("route").GetString()!, g => g.GetProperty("state").GetString());
        Assert.Equal("met", groups["/search"]);
        Assert.Equal("not_met", groups["/home"]);
        Assert.Equal(300, body.GetProperty("stepSeconds").GetDouble());
        Assert.Equal(1, body.GetProperty("summary").GetProperty("firings").GetInt32());
        Assert.DoesNotContain((await (await client.GetAsync("/api/v1/alerts")).ReadAsync()).EnumerateArray(), a => !a.GetProperty("ruleId").GetString()!.StartsWith("vigil_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TestRule_ToLessThanAMinuteAhead_TakenAsNow()
    {
        // A client's clock a little ahead: its 'to' is now, not a 400 and not a replay of the future.
        var app = await SharedAppAsync();
        var now = app.Time.GetUtcNow();
        var to = Uri.EscapeDataString(now.AddSeconds(30).ToString("O", CultureInfo.InvariantCulture));

        var response = await app.Admin().PostJsonAsync($"/api/v1/alerts/rules/test?to={to}", RuleBody);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(now, (await response.ReadAsync()).GetProperty("to").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("?step=10s", "step")]
    [InlineData("?step=soon", "step")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=later", "to")]
    [InlineData("?from=2029-12-31T00:00:00Z&to=2030-01-01T00:00:00Z", "to")]
    [InlineData("?from=2026-11-23T12:00:00Z&to=2026-11-23T11:00:00Z", "from")]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2026-11-23T00:00:00Z", "step")]
    public async Task TestRule_MalformedRange_ProblemNamesTheParameter(string query, string field)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client);

        foreach (var response in new[] { await client.PostAsync($"/api/v1/alerts/rules/{ruleId}/test{query}", null), await client.PostJsonAsync($"/api/v1/alerts/rules/test{query}", RuleBody) })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _), $"{query}: no problem for '{field}'");
        }
    }

    [Theory]
    [InlineData("""{"name":"x","metric":"m","aggregation":"p42","threshold":1}""", "aggregation")]
    [InlineData("""{"name":"x","metric":"m","windowMinutes":0,"threshold":1}""", "windowMinutes")]
    [InlineData("""{"name":"x","metric":"m","thresholdType":"dynamic"}""", "baselineMultiplier")]
    [InlineData("""{"name":"x","metric":"m","threshold":"high"}""", "threshold")]
    [InlineData("""{"name":"x","metric":"m","threshold":1,"colour":"red"}""", "colour")]
    public async Task TestUnsavedRule_MalformedBody_ProblemNamesTheField(string body, string field)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/alerts/rules/test", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task TestRule_UnknownRuleOrWrongRole_NotFoundOrForbidden()
    {
        await using var app = StartApp(settings: ManualPasses);
        var ingest = await app.ClientWithRoleAsync("ingest");

        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PostAsync("/api/v1/alerts/rules/nope/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.PostJsonAsync("/api/v1/alerts/rules/test", RuleBody)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).PostJsonAsync("/api/v1/alerts/rules/test", RuleBody)).StatusCode);
    }

    [Fact]
    public async Task DynamicRule_BaselineFromStoredRollups_FiresAboveBaselineTimesMultiplier()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        await PushLastWeekAsync(client, app); // the same hours a week ago at 100 ms
        var created = await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Slower than usual","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"avg",
             "windowMinutes":5,"minDataPoints":5,"thresholdType":"dynamic","baselineMultiplier":2,"baselineDays":7,
             "comparison":"greater_than","severity":"warning"}
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ruleId = (await created.ReadAsync()).GetProperty("id").GetString()!;
        await RunPassAsync(app); // starts learning from the stored rollups in the background
        await app.Services.GetRequiredService<RuleMemories>().WhenWarmAsync(ruleId);
        await PushNowAsync(client, app, "/search", 150); // 1.5 × baseline: below 2 ×
        await RunPassAsync(app);
        Assert.Empty((await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray());

        app.Time.Advance(TimeSpan.FromMinutes(6));
        await PushNowAsync(client, app, "/search", 450);
        await PushNowAsync(client, app, "/unknown", 5000); // a route without history has no baseline: not enough data
        await RunPassAsync(app);

        var alert = Assert.Single((await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray());
        Assert.Equal("/search", alert.GetProperty("labels").GetProperty("route").GetString());
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal(200, alert.GetProperty("threshold").GetDouble(), 6);
        Assert.Equal(450, alert.GetProperty("value").GetDouble(), 6);
        var metrics = await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("vigil_alert_evaluations_total{outcome=\"met\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("vigil_alert_evaluations_total{outcome=\"not_enough_data\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnomalyRule_LearntFromLastWeek_OneMinuteSpikeQuietSustainedStepFiresOnItsThirdMinute()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        await PushLastWeekAsync(client, app); // 100 ms at this hour a week ago
        var created = await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Latency anomaly","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p50",
             "windowMinutes":1,"minDataPoints":5,"thresholdType":"anomaly","sensitivity":"medium","baselineDays":7,
             "comparison":"greater_than","metMinutes":3,"ofMinutes":5,"severity":"error"}
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ruleId = (await created.ReadAsync()).GetProperty("id").GetString()!;
        await RunPassAsync(app);
        await app.Services.GetRequiredService<RuleMemories>().WhenWarmAsync(ruleId);

        // A one-minute spike at 3x, then normal minutes: met once of five, never firing. 20 requests
        // a minute: a p50 over 10 (1 in 1 024 all slower by chance) is not beyond medium's 1 in 31 600.
        double[] minutes = [300, 100, 100, 100, 100, 100, 300, 300, 300];
        var states = new List<string>();
        foreach (var ms in minutes)
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            await PushNowAsync(client, app, "/search", ms, count: 20);
            await RunPassAsync(app);
            var alerts = (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray().ToArray();
            states.Add(alerts.Length == 0 ? "none" : alerts[0].GetProperty("status").GetString()!);
        }

        // The step of three minutes fires on its third; the band is the baseline's 20 % minimum above 100 ms.
        Assert.Equal(["none", "none", "none", "none", "none", "none", "none", "none", "firing"], states);
        var alert = Assert.Single((await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray());
        Assert.Equal(120, alert.GetProperty("threshold").GetDouble(), 6);
        Assert.Equal(300, alert.GetProperty("value").GetDouble(), 6);
    }

    [Fact]
    public async Task AnomalyRule_WarmBeforeItsHistoryWasSent_LearnsItOnceTheBackfillSettles_ThenASustainedStepFires()
    {
        // A user starts the server, then backfills last week: the rule warmed up on nothing and,
        // before, learnt the backfill only after a restart or an edit.
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var created = await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Latency anomaly","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p50",
             "windowMinutes":1,"minDataPoints":5,"thresholdType":"anomaly","sensitivity":"medium","baselineDays":7,
             "comparison":"greater_than","metMinutes":3,"ofMinutes":5,"severity":"error"}
            """);
        var ruleId = (await created.ReadAsync()).GetProperty("id").GetString()!;
        var memories = app.Services.GetRequiredService<RuleMemories>();
        await RunPassAsync(app);
        await memories.WhenWarmAsync(ruleId);
        await PushLastWeekAsync(client, app); // 100 ms at this hour a week ago, sent now
        app.Time.Advance(RuleMemories.RewarmInterval);
        await RunPassAsync(app);
        await memories.WhenWarmAsync(ruleId);

        var states = new List<string>();
        foreach (var ms in new double[] { 100, 100, 300, 300, 300 })
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            await PushNowAsync(client, app, "/search", ms, count: 20);
            await RunPassAsync(app);
            var alerts = (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray().ToArray();
            states.Add(alerts.Length == 0 ? "none" : alerts[0].GetProperty("status").GetString()!);
        }

        Assert.Equal(["none", "none", "none", "none", "firing"], states);
    }

    [Fact]
    public async Task CriticalEndpointLatency_TwoSpikeMinutesApart_DoNotPage_ASustainedStepPagesSevenMinutesIn()
    {
        // An export route at 1.5 s (20 requests a minute, ±10 %) from 06:00; at 08:30 and 08:33 one
        // minute each four times slower (6 s), from 09:00 every minute for a quarter of an hour.
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var body = new StringBuilder("{\"points\":[");
        for (var minute = 0; minute < 210; minute++)
        {
            var slower = minute is 150 or 153 or (>= 180 and < 195) ? 4 : 1;
            for (var i = 0; i < 20; i++)
            {
                var at = HistoryStart.AddMinutes(minute).AddSeconds(i * 3);
                var ms = 1500 * slower * (1 + (0.1 * Math.Sin((minute * 20) + i)));
                body.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"http_request_duration_ms\",\"type\":\"timing\",\"value\":{ms:0.###},\"labels\":{{\"route\":\"/api/export\",\"method\":\"GET\"}},\"timestamp\":\"{Json.Iso(at)}\"}},");
            }
        }

        body.Length--;
        body.Append("]}");
        (await client.PostJsonAsync("/api/v1/metrics", body.ToString())).EnsureSuccessStatusCode();

        var response = await client.PostAsync($"/api/v1/alerts/rules/critical_endpoint_latency/test?from={Json.Iso(HistoryStart)}&to={Json.Iso(HistoryStart.AddMinutes(210))}", null);

        // With its slowest minute left out a window holds both spikes' minutes only while the second
        // is the current one (08:33-08:34): pending, never five minutes. The step is above once two
        // of its minutes are in the window (09:02) and fires five minutes on (untrimmed: 09:01 and 09:06).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var history = (await response.ReadAsync()).GetProperty("history").EnumerateArray().Select(e => (At: e.GetProperty("at").GetDateTimeOffset(), To: e.GetProperty("to").GetString())).ToArray();
        Assert.Equal(
            [(HistoryStart.AddMinutes(154), "pending"), (HistoryStart.AddMinutes(156), "resolved"),
             (HistoryStart.AddMinutes(182), "pending"), (HistoryStart.AddMinutes(187), "firing"), (HistoryStart.AddMinutes(199), "resolved")],
            history);
    }

    [Fact]
    public async Task TestUnsavedDynamicRule_BaselineUsed_NotKeptAfterwards()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        await PushLastWeekAsync(client, app); // the same hours a week ago at 100 ms
        await PushNowAsync(client, app, "/search", 450);
        await RunPassAsync(app);
        var memories = app.Services.GetRequiredService<RuleMemories>();
        var kept = memories.RuleIds;

        for (var i = 0; i < 3; i++)
        {
            var response = await client.PostJsonAsync("/api/v1/alerts/rules/test", """
                {"name":"Slower than usual","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"avg",
                 "windowMinutes":5,"minDataPoints":5,"thresholdType":"dynamic","baselineMultiplier":2,"baselineDays":7,
                 "comparison":"greater_than","severity":"warning"}
                """);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.ReadAsync();
            Assert.True(body.GetProperty("wouldFire").GetBoolean());
            Assert.Equal(200, body.GetProperty("threshold").GetDouble(), 6); // 2 × the 100 ms baseline
        }

        // A test replays into a memory of its own: the engine's memories are untouched.
        Assert.Equal(kept, memories.RuleIds);
        Assert.DoesNotContain(memories.RuleIds, id => id.StartsWith("unsaved-", StringComparison.Ordinal));
    }

    /// <summary>Five points a minute on /search at 100 ms, from two hours before to two hours after this time a week ago: what a seasonal baseline compares now with.</summary>
    private static async Task PushLastWeekAsync(HttpClient client, VigilApp app)
    {
        var start = app.Time.GetUtcNow().AddDays(-7).AddHours(-2);
        var body = new StringBuilder("{\"points\":[");
        for (var minute = 0; minute < 240; minute++)
        {
            for (var i = 0; i < 5; i++)
            {
                var at = start.AddMinutes(minute).AddSeconds(i * 12);
                body.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"http_request_duration_ms\",\"type\":\"timing\",\"value\":100,\"labels\":{{\"route\":\"/search\"}},\"timestamp\":\"{Json.Iso(at)}\"}},");
            }
        }

        body.Length--;
        body.Append("]}");
        (await client.PostJsonAsync("/api/v1/metrics", body.ToString())).EnsureSuccessStatusCode();
    }

    private static async Task PushHistoryAsync(HttpClient client, bool slow = true)
    {
        // Ten points a minute on /search, 06:00-09:00.
        var body = new StringBuilder("{\"points\":[");
        for (var minute = 0; minute < 180; minute++)
        {
            var value = slow && minute is >= 60 and < 75 ? 3000 : 100;
            for (var i = 0; i < 10; i++)
            {
                var at = HistoryStart.AddMinutes(minute).AddSeconds(i * 6);
                body.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"http_request_duration_ms\",\"type\":\"timing\",\"value\":{value},\"labels\":{{\"route\":\"/search\"}},\"timestamp\":\"{Json.Iso(at)}\"}},");
            }
        }

        body.Length--;
        body.Append("]}");
        (await client.PostJsonAsync("/api/v1/metrics", body.ToString())).EnsureSuccessStatusCode();
    }

    private static async Task PushNowAsync(HttpClient client, VigilApp app, string route, double ms, int count = 10) =>
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", Enumerable.Repeat(ms, count), $$"""{"route":"{{route}}"}""", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();

    private static async Task<string> CreateRuleAsync(HttpClient client)
    {
        var response = await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }

    private static Task RunPassAsync(VigilApp app) => app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
}

public sealed class SqliteRuleTestEndpointsTests(SharedServer shared) : RuleTestEndpointsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresRuleTestEndpointsTests(SharedServer shared) : RuleTestEndpointsTests(StorageProvider.Postgres, shared);
