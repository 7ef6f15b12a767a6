using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Alerts;
using Vigil.Storage;

namespace Vigil.Server.Tests.Alerts;

/// <summary>
/// The alert engine end to end: a rule created over HTTP, points pushed over HTTP, an
/// evaluation pass, and the alert, its history and its notification intent read back.
/// </summary>
public abstract class AlertEngineTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    // The tests run the passes themselves, at the fake clock's times.
    private static readonly Dictionary<string, string?> ManualPasses = new() { ["Vigil:Alerts:EvaluationEnabled"] = "false" };

    private const string RuleBody = """
        {"name":"Slow route","metric":"http_request_duration_ms","groupBy":["route"],"aggregation":"p95",
         "windowMinutes":5,"minDataPoints":5,"thresholdType":"static","threshold":1000,"comparison":"greater_than",
         "severity":"critical","cooldownMinutes":15,"channels":[],"labels":{"team":"api"}}
        """;

    [Fact]
    public async Task SlowTimings_FireAnAlertPerRoute_AcknowledgeThenAutoResolve()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client);
        await PushAsync(client, app, "/slow", 2500, 20);
        await PushAsync(client, app, "/fast", 50, 20);

        await RunPassAsync(app);

        var firing = await AlertsAsync(client, ruleId);
        var alert = Assert.Single(firing);
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.Equal("/slow", alert.GetProperty("labels").GetProperty("route").GetString());
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.InRange(alert.GetProperty("value").GetDouble(), 2475, 2525);
        Assert.Equal(1000, alert.GetProperty("threshold").GetDouble());
        var id = alert.GetProperty("id").GetString()!;
        var feed = await (await client.GetAsync("/api/v1/notifications")).ReadAsync();
        Assert.Contains(feed.EnumerateArray(), n => n.GetProperty("alertId").GetString() == id && n.GetProperty("kind").GetString() == "firing");

        var ack = await client.PostJsonAsync($"/api/v1/alerts/{id}/acknowledge", """{"note":"looking at the index"}""");
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await ack.ReadAsync()).GetProperty("status").GetString());

        // Six minutes later the slow points have left the window and fast ones arrived.
        app.Time.Advance(TimeSpan.FromMinutes(6));
        await PushAsync(client, app, "/slow", 40, 20);
        await RunPassAsync(app);

        var detail = await (await client.GetAsync($"/api/v1/alerts/{id}")).ReadAsync();
        Assert.Equal("resolved", detail.GetProperty("status").GetString());
        var history = detail.GetProperty("history").EnumerateArray().Select(t => (t.GetProperty("from").GetString() ?? "-", t.GetProperty("to").GetString()!, t.GetProperty("by").GetString()!)).ToArray();
        Assert.Equal([("-", "pending", "vigil"), ("pending", "firing", "vigil"), ("firing", "acknowledged", "bootstrap admin (Vigil:Auth:BootstrapAdminKey)"), ("acknowledged", "resolved", "vigil")], history);
        var stats = await (await client.GetAsync("/api/v1/alerts/stats?window=1h")).ReadAsync();
        Assert.True(stats.GetProperty("total").GetInt32() >= 1);
        Assert.True(stats.GetProperty("bySeverity").GetProperty("critical").GetInt32() >= 1);
        Assert.Equal(0, stats.GetProperty("meanTimeToAcknowledgeSeconds").GetDouble());
        Assert.True(stats.GetProperty("meanTimeToResolveSeconds").GetDouble() > 0);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/alerts/stats?window=soon")).StatusCode);
        var kinds = (await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray()
            .Where(n => n.GetProperty("alertId").GetString() == id).Select(n => n.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["resolved", "acknowledged", "firing"], kinds);
    }

    [Fact]
    public async Task Ingest_ConditionBecomesTrue_RuleEvaluatedWithoutWaitingForTheTimer()
    {
        // The fake clock never moves, so the interval's full pass never comes: only the
        // ingest call's own signal can get the rule evaluated.
        await using var app = StartApp(settings: new() { ["Vigil:Alerts:EvaluationDebounce"] = "00:00:00", ["Vigil:Alerts:EvaluationInterval"] = "00:10:00" });
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client);

        var engine = app.Services.GetRequiredService<AlertEngine>();
        using var passes = new SemaphoreSlim(0);
        void OnPass() => passes.Release();
        engine.PassCompleted += OnPass;

        await PushAsync(client, app, "/slow", 2500, 20);

        // The pass runs on its own thread: look after each one (never on a timer), for at most a minute.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var alerts = await AlertsAsync(client, ruleId);
        while (alerts.Length == 0)
        {
            await passes.WaitAsync(deadline.Token);
            alerts = await AlertsAsync(client, ruleId);
        }

        engine.PassCompleted -= OnPass;
        Assert.Equal("firing", Assert.Single(alerts).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Restart_OpenAlertSurvives_AndDoesNotFireTwice()
    {
        var time = VigilApp.NewClock();
        string ruleId;
        await using (var first = StartApp(time, ManualPasses))
        {
            var client = first.Admin();
            ruleId = await CreateRuleAsync(client);
            await PushAsync(client, first, "/slow", 2500, 20);
            await RunPassAsync(first);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await using var second = StartApp(time, ManualPasses);
        await RunPassAsync(second);
        var again = second.Admin();

        var alerts = await AlertsAsync(again, ruleId);
        Assert.Equal("firing", Assert.Single(alerts).GetProperty("status").GetString());
        var firings = (await (await again.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray()
            .Count(n => n.GetProperty("alertId").GetString() == alerts[0].GetProperty("id").GetString() && n.GetProperty("kind").GetString() == "firing");
        Assert.Equal(1, firings);
    }

    [Fact]
    public async Task AlertActions_BadInput_ProblemsAndNoChange()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client);
        await PushAsync(client, app, "/slow", 2500, 20);
        await RunPassAsync(app);
        var id = (await AlertsAsync(client, ruleId))[0].GetProperty("id").GetString();
        var viewer = await app.ClientWithRoleAsync("viewer");

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostJsonAsync("/api/v1/alerts/nope/acknowledge", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync($"/api/v1/alerts/{id}/silence", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync($"/api/v1/alerts/{id}/silence", """{"durationMinutes":0}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync($"/api/v1/alerts/{id}/acknowledge", """{"note":5}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync($"/api/v1/alerts/{id}/resolve", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/alerts?status=burning")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/alerts?limit=0")).StatusCode);
        Assert.Equal("firing", (await AlertsAsync(client, ruleId))[0].GetProperty("status").GetString());

        var silenced = await client.PostJsonAsync($"/api/v1/alerts/{id}/silence", """{"durationMinutes":30}""");
        var resolved = await client.PostJsonAsync($"/api/v1/alerts/{id}/resolve", "");
        var twice = await client.PostJsonAsync($"/api/v1/alerts/{id}/resolve", "");
        Assert.Equal("silenced", (await silenced.ReadAsync()).GetProperty("status").GetString());
        Assert.Equal("resolved", (await resolved.ReadAsync()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Silence_MatchingAlert_ChangesStateButSendsNothingUntilItEnds()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var ruleId = await CreateRuleAsync(client);
        var created = await client.PostJsonAsync("/api/v1/silences", $$"""{"ruleId":"{{ruleId}}","labels":{"route":"/slow"},"durationMinutes":60,"comment":"deploying"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var silenceId = (await created.ReadAsync()).GetProperty("id").GetString();
        await PushAsync(client, app, "/slow", 2500, 20);

        await RunPassAsync(app);
        var alert = Assert.Single(await AlertsAsync(client, ruleId));
        var id = alert.GetProperty("id").GetString();
        Assert.Equal("firing", alert.GetProperty("status").GetString());
        Assert.DoesNotContain((await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray(), n => n.GetProperty("alertId").GetString() == id);
        var listed = await (await client.GetAsync("/api/v1/silences")).ReadAsync();
        Assert.True(Assert.Single(listed.EnumerateArray()).GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/silences/{silenceId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/silences/{silenceId}")).StatusCode);
        await RunPassAsync(app);

        var kinds = (await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray()
            .Where(n => n.GetProperty("alertId").GetString() == id).Select(n => n.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(["firing"], kinds);
    }

    [Theory]
    [InlineData("""{"durationMinutes":30}""", "$")]
    [InlineData("""{"ruleId":"r"}""", "endsAt")]
    [InlineData("""{"ruleId":"r","durationMinutes":-5}""", "durationMinutes")]
    [InlineData("""{"ruleId":"r","startsAt":"2026-11-23T13:00:00Z","endsAt":"2026-11-23T12:30:00Z"}""", "endsAt")]
    [InlineData("""{"ruleId":"r","endsAt":"2020-01-01T00:00:00Z"}""", "endsAt")]
    [InlineData("""{"severity":"loud","durationMinutes":5}""", "severity")]
    [InlineData("""{"labels":{"route":null},"durationMinutes":5}""", "labels.route")]
    [InlineData("""{"ruleId":"r","durationMinutes":5,"colour":"red"}""", "colour")]
    [InlineData("""{"ruleId":"r","durationMinutes":"long"}""", "durationMinutes")]
    public async Task CreateSilence_Malformed_ProblemNamesTheField(string body, string field)
    {
        // Refused before anything is stored: the shared server (whose passes run on their own) is enough.
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/silences", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Watchdog_EvaluationStops_RaisesItsOwnCriticalAlert_ThenResolvesWhenItRecovers()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var watchdog = app.Services.GetRequiredService<EvaluationWatchdog>();
        await RunPassAsync(app);
        await watchdog.CheckAsync(CancellationToken.None);
        Assert.Empty(await AlertsAsync(client, EvaluationWatchdog.RuleId));

        // No pass for five seconds: more than three one-second ticks.
        app.Time.Advance(TimeSpan.FromSeconds(5));
        await watchdog.CheckAsync(CancellationToken.None);
        var stalled = Assert.Single(await AlertsAsync(client, EvaluationWatchdog.RuleId));
        Assert.Equal(("firing", "critical"), (stalled.GetProperty("status").GetString(), stalled.GetProperty("severity").GetString()));
        Assert.Contains((await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray(),
            n => n.GetProperty("alertId").GetString() == stalled.GetProperty("id").GetString() && n.GetProperty("kind").GetString() == "firing");

        // The engine's own pass leaves the watchdog's alert alone; the watchdog resolves it.
        await RunPassAsync(app);
        Assert.Equal("firing", (await AlertsAsync(client, EvaluationWatchdog.RuleId))[0].GetProperty("status").GetString());
        await watchdog.CheckAsync(CancellationToken.None);
        Assert.Equal("resolved", (await AlertsAsync(client, EvaluationWatchdog.RuleId))[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadmeFirstBatch_TinySample_NoBuiltInRuleFires()
    {
        // Arrange: the README's "first metric in five minutes", as a new user sends it.
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        (await client.PostJsonAsync("/api/v1/metrics", """
            {"points":[
              {"name":"http_request_duration_ms","type":"timing","value":120,"labels":{"route":"/orders/{id}","method":"GET","status":"200"}},
              {"name":"http_request_duration_ms","type":"timing","value":340,"labels":{"route":"/orders/{id}","method":"GET","status":"200"}},
              {"name":"http_request_duration_ms","type":"timing","value":2100,"labels":{"route":"/search","method":"GET","status":"500"}},
              {"name":"orders_created","type":"counter","value":3}]}
            """)).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/jobs/executions", """{"executions":[{"jobId":"export-data","success":true,"durationMs":25000}]}""")).EnsureSuccessStatusCode();

        // Act: two passes, so a pending alert would have become firing.
        await RunPassAsync(app);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await RunPassAsync(app);

        // Assert: three requests, one of them a 500, are too few for an error rate or a p95.
        var alerts = (await (await client.GetAsync("/api/v1/alerts")).ReadAsync()).EnumerateArray()
            .Select(a => $"{a.GetProperty("ruleId").GetString()} {a.GetProperty("status").GetString()}").ToArray();
        Assert.Empty(alerts);
    }

    private static async Task<string> CreateRuleAsync(HttpClient client)
    {
        var response = await client.PostJsonAsync("/api/v1/alerts/rules", RuleBody);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }

    private static async Task PushAsync(HttpClient client, VigilApp app, string route, double ms, int count) =>
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", Enumerable.Repeat(ms, count), $$"""{"route":"{{route}}"}""", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();

    private static Task RunPassAsync(VigilApp app) => app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);

    private static async Task<JsonElement[]> AlertsAsync(HttpClient client, string ruleId) =>
        [.. (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync()).EnumerateArray()];
}

public sealed class SqliteAlertEngineTests(SharedServer shared) : AlertEngineTests(StorageProvider.Sqlite, shared);

public sealed class PostgresAlertEngineTests(SharedServer shared) : AlertEngineTests(StorageProvider.Postgres, shared);
