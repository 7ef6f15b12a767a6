using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Monitoring.Scheduling;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Server.Tests.Monitors;

/// <summary>
/// The monitor API over the real server: validation naming the field, CRUD, check now, the check
/// log, heartbeats, maintenance windows, and system_down raised and resolved through the alert
/// lifecycle and the durable delivery pipeline to a loopback webhook.
/// </summary>
public sealed class MonitorEndpointsTests(MonitorServerFixture fixture) : IClassFixture<MonitorServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private VigilApp App => fixture.App;

    [Theory]
    [InlineData("""{"name":"a","url":"not a url"}""", "url", "absolute http:// or https:// URL")]
    [InlineData("""{"name":"a","url":"ftp://example.com/"}""", "url", "absolute http:// or https:// URL")]
    [InlineData("""{"name":"a","url":"http://10.1.2.3/health"}""", "url", "a private address")]
    [InlineData("""{"name":"a","url":"http://169.254.169.254/latest/meta-data"}""", "url", "link-local")]
    [InlineData("""{"name":"a","url":"https://example.com/","intervalSeconds":0}""", "intervalSeconds", "between 10 and")]
    [InlineData("""{"name":"a","url":"https://example.com/","timeoutSeconds":100000}""", "timeoutSeconds", "at most")]
    [InlineData("""{"name":"a","url":"https://example.com/","jsonPath":"$.items[*].id"}""", "jsonPath", "not supported")]
    [InlineData("""{"name":"a","url":"https://example.com/","jsonPath":"status"}""", "jsonPath", "starts with '$'")]
    [InlineData("""{"name":"a","type":"ping","host":"example.com"}""", "type", "one of http, tcp, heartbeat")]
    [InlineData("""{"name":"a","type":"tcp","host":"example.com","port":70000}""", "port", "between 1 and 65535")]
    [InlineData("""{"name":"a","url":"https://example.com/","expectedStatus":["2xx","700"]}""", "expectedStatus[1]", "100 to 599")]
    [InlineData("""{"name":"a","url":"https://example.com/","headers":{"Bad Header":"x"}}""", "headers.Bad Header", "name of letters")]
    [InlineData("""{"name":"a","url":"https://example.com/","graceSeconds":10}""", "graceSeconds", "does not apply to http")]
    [InlineData("""{"name":"a","url":"https://example.com/","colour":"red"}""", "colour", "not a known field")]
    [InlineData("""{"name":"a","url":"https://example.com/","public":"yes"}""", "public", "true or false")]
    [InlineData("""{"name":"a","url":"https://example.com/","publicName":"  "}""", "publicName", "must not be blank")]
    [InlineData("""{"url":"https://example.com/"}""", "name", "required")]
    [InlineData("""{"name":"a","url":"https://example.com/",""", "$", "not valid JSON")]
    public async Task Create_MalformedDefinition_ProblemNamesTheField(string body, string field, string message)
    {
        var response = await App.Admin().PostJsonAsync("/api/v1/monitors", body);

        await Json.AssertProblemAsync(response, field, message);
    }

    [Fact]
    public async Task Crud_CreateReadPatchReplaceDelete()
    {
        var client = App.Admin();
        var created = await client.PostJsonAsync("/api/v1/monitors", """{"name":"crud-api","url":"https://example.com/health","intervalSeconds":60,"enabled":false}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var monitor = await created.ReadAsync();
        var id = monitor.GetProperty("id").GetString()!;
        Assert.Equal(("paused", "GET", "200-299"), (monitor.GetProperty("state").GetProperty("status").GetString(), monitor.GetProperty("method").GetString(), monitor.GetProperty("expectedStatus")[0].GetString()));
        Assert.False(monitor.GetProperty("public").GetBoolean());

        var patched = await (await client.PatchAsync($"/api/v1/monitors/{id}", Json.Body("""{"keyword":"ok","degradedAboveMs":800,"public":true,"publicName":"Shop"}"""))).ReadAsync();
        Assert.Equal((true, "Shop"), (patched.GetProperty("public").GetBoolean(), patched.GetProperty("publicName").GetString()));
        Assert.Equal(("ok", 800.0, "https://example.com/health"), (patched.GetProperty("keyword").GetString(), patched.GetProperty("degradedAboveMs").GetDouble(), patched.GetProperty("url").GetString()));

        var duplicate = await client.PostJsonAsync("/api/v1/monitors", """{"name":"crud-api","type":"tcp","host":"example.com","port":443}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var replaced = await client.PutAsync($"/api/v1/monitors/{id}", Json.Body("""{"name":"crud-db","type":"tcp","host":"example.com","port":5432,"enabled":false}"""));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var read = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadAsync();
        Assert.Equal(("tcp", "example.com:5432", 3L), (read.GetProperty("type").GetString(), read.GetProperty("target").GetString(), read.GetProperty("version").GetInt64()));
        Assert.False(read.TryGetProperty("url", out _));

        var viewer = await App.ClientWithRoleAsync("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/monitors/{id}")).StatusCode);
    }

    [Fact]
    public async Task Heartbeat_CheckInsByPostAndGet_UnknownTokenIsNotFound()
    {
        var client = App.Admin();
        var monitor = await (await client.PostJsonAsync("/api/v1/monitors", """{"name":"nightly-backup","type":"heartbeat","intervalSeconds":86400,"graceSeconds":3600}""")).ReadAsync();
        var url = new Uri(monitor.GetProperty("heartbeatUrl").GetString()!);
        Assert.StartsWith("https://vigil.example.com/api/v1/heartbeats/", url.ToString(), StringComparison.Ordinal);
        var anonymous = App.WithKey(null);
        var id = monitor.GetProperty("id").GetString()!;
        var checkedIn = WaitForCheckAsync(id);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync(url.PathAndQuery, null)).StatusCode);
        await checkedIn;
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync("/api/v1/heartbeats/no-such-token", null)).StatusCode);

        var read = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadAsync();
        Assert.Equal("up", read.GetProperty("state").GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("state").GetProperty("lastCheckInAt").ValueKind);
        var viewer = await App.ClientWithRoleAsync("viewer");
        Assert.Equal(JsonValueKind.Null, (await (await viewer.GetAsync($"/api/v1/monitors/{id}")).ReadAsync()).GetProperty("heartbeatUrl").ValueKind);
    }

    [Fact]
    public async Task Maintenance_InvalidWindow_ProblemNamesTheField()
    {
        var response = await App.Admin().PostJsonAsync("/api/v1/maintenance", """{"name":"deploy","startsAt":"2026-11-23T13:00:00Z","endsAt":"2026-11-23T12:00:00Z"}""");

        await Json.AssertProblemAsync(response, "endsAt", "after 'startsAt'");
    }

    [Fact]
    public async Task TargetDownThenUp_SystemDownFiresAndResolvesThroughTheWebhook()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(1, 503);
        var client = App.Admin();
        var channel = await (await client.PostJsonAsync("/api/v1/channels", $$$"""{"name":"monitors-hook","type":"webhook","config":{"url":"{{{webhook.Url("/vigil")}}}"}}""")).ReadAsync();
        var channelId = channel.GetProperty("id").GetString()!;
        var rule = await client.PatchAsync("/api/v1/alerts/rules/system_down", Json.Body($$"""{"channels":["{{channelId}}"],"cooldownMinutes":0}"""));
        Assert.Equal(HttpStatusCode.OK, rule.StatusCode);

        var created = await client.PostJsonAsync("/api/v1/monitors", $$"""{"name":"shop","url":"{{target.Url("/health")}}","intervalSeconds":10}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadAsync()).GetProperty("id").GetString()!;

        var fired = (await webhook.WaitUntilAsync(r => r.Count >= 1, Patience))[0].Json;
        Assert.Equal(("System Down", "firing", "critical"), (fired.GetProperty("alertName").GetString(), fired.GetProperty("status").GetString(), fired.GetProperty("severity").GetString()));
        Assert.Equal(("shop", id, "http"), (fired.GetProperty("labels").GetProperty("monitor").GetString(), fired.GetProperty("labels").GetProperty("monitor_id").GetString(), fired.GetProperty("labels").GetProperty("type").GetString()));
        Assert.Contains("is down: HTTP 503 Service Unavailable (expected 200-299)", fired.GetProperty("context").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var alert = (await (await client.GetAsync("/api/v1/alerts?ruleId=system_down&status=firing")).ReadAsync()).EnumerateArray().Single(a => a.GetProperty("labels").GetProperty("monitor_id").GetString() == id);
        Assert.Contains("HTTP 503", alert.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api/health/platforms")).StatusCode);

        // The target answers again: the next check (one interval later) resolves the alert.
        App.Time.Advance(TimeSpan.FromSeconds(10));
        var resolved = (await webhook.WaitUntilAsync(r => r.Count >= 2, Patience))[1].Json;
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Equal(alert.GetProperty("id").GetString(), resolved.GetProperty("alertId").GetString());

        var monitor = await (await client.GetAsync($"/api/v1/monitors/{id}")).ReadAsync();
        Assert.Equal("up", monitor.GetProperty("state").GetProperty("status").GetString());
        var day = monitor.GetProperty("uptime").GetProperty("24h");
        Assert.Equal((2L, 1L, 50.0), (day.GetProperty("checks").GetInt64(), day.GetProperty("down").GetInt64(), day.GetProperty("percent").GetDouble()));
        var log = await (await client.GetAsync($"/api/v1/monitors/{id}/checks?limit=1")).ReadAsync();
        Assert.Equal("up", Assert.Single(log.GetProperty("checks").EnumerateArray()).GetProperty("status").GetString());
        var older = await (await client.GetAsync($"/api/v1/monitors/{id}/checks?limit=1&before={log.GetProperty("next").GetString()}")).ReadAsync();
        Assert.Equal("down", Assert.Single(older.GetProperty("checks").EnumerateArray()).GetProperty("status").GetString());

        var now = await (await client.PostAsync($"/api/v1/monitors/{id}/check", null)).ReadAsync();
        Assert.Equal(("up", 200, true), (now.GetProperty("status").GetString(), now.GetProperty("statusCode").GetInt32(), now.GetProperty("applied").GetBoolean()));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/monitors/{id}")).StatusCode);
    }

    private Task WaitForCheckAsync(string monitorId)
    {
        var scheduler = App.Services.GetRequiredService<MonitorScheduler>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string id, MonitorTransition transition)
        {
            if (id == monitorId)
            {
                scheduler.CheckCompleted -= Handler;
                done.TrySetResult();
            }
        }

        scheduler.CheckCompleted += Handler;
        return done.Task.WaitAsync(Patience);
    }
}
