using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Monitoring.Scheduling;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;

namespace Vigil.Server.Tests.StatusPage;

/// <summary>
/// The public status page and <c>GET /api/v1/status</c> over the real server: off by default;
/// when on, only monitors marked public, by their public name, with no target, address or error
/// text; the daily bars and uptime from real checks against a loopback target that goes down and
/// comes back; the <c>system_down</c> alert as an incident, ongoing and then resolved with its
/// duration; one computed view shared for the cache duration.
/// </summary>
public abstract partial class StatusPageTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Enabled(string cacheDuration = "00:00:00") => new()
    {
        ["Vigil:Delivery:AllowedHosts:0"] = "127.0.0.1",
        ["Vigil:StatusPage:Enabled"] = "true",
        ["Vigil:StatusPage:Title"] = "Acme status",
        ["Vigil:StatusPage:Footer"] = "Report problems to ops@acme.example",
        ["Vigil:StatusPage:CacheDuration"] = cacheDuration,
    };

    [Fact]
    public async Task Disabled_PageAndJson_NotFound()
    {
        await using var app = StartApp();
        await (await app.Admin().PostJsonAsync("/api/v1/monitors", """{"name":"beat","type":"heartbeat","public":true}""")).ReadAsync();
        var anonymous = app.WithKey(null);

        var json = await anonymous.GetAsync("/api/v1/status");
        using var pageRequest = new HttpRequestMessage(HttpMethod.Get, "/status") { Headers = { { "Accept", "text/html" } } };
        var page = await anonymous.SendAsync(pageRequest);

        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (json.StatusCode, json.Content.Headers.ContentType?.MediaType));
        Assert.Equal((HttpStatusCode.NotFound, "text/html"), (page.StatusCode, page.Content.Headers.ContentType?.MediaType));
        Assert.DoesNotContain("beat", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_PublicMonitorDownThenUp_BarsUptimeAndIncidentWithoutLeaks()
    {
        await using var publicTarget = await WebhookReceiver.StartAsync();
        await using var privateTarget = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Enabled());
        using var checks = new CheckLog(app);
        var admin = app.Admin();
        var anonymous = app.WithKey(null);
        publicTarget.FailNext(1, 503);
        var shop = await (await admin.PostJsonAsync("/api/v1/monitors",
            $$"""{"name":"shop-internal-eu1","publicName":"Shop","public":true,"url":"{{publicTarget.Url("/health?token=s3cret")}}","intervalSeconds":10}""")).ReadAsync();
        var shopId = shop.GetProperty("id").GetString()!;
        await (await admin.PostJsonAsync("/api/v1/monitors", $$"""{"name":"secret-db","url":"{{privateTarget.Url("/private-health")}}","intervalSeconds":3600}""")).ReadAsync();
        Assert.Equal((true, "Shop"), (shop.GetProperty("public").GetBoolean(), shop.GetProperty("publicName").GetString()));

        // The first check fails: the monitor is down and its system_down alert is open.
        await checks.WaitAsync(shopId, 1);
        var (json, text) = await StatusAsync(anonymous);
        Assert.Equal(("Acme status", "major_outage"), (json.GetProperty("title").GetString(), json.GetProperty("status").GetString()));
        var monitor = Assert.Single(json.GetProperty("monitors").EnumerateArray());
        Assert.Equal(("Shop", "down", 0.0), (monitor.GetProperty("name").GetString(), monitor.GetProperty("status").GetString(), monitor.GetProperty("uptime").GetProperty("24h").GetDouble()));
        var days = monitor.GetProperty("days");
        Assert.Equal(90, days.GetArrayLength());
        Assert.Equal(("2026-08-26", JsonValueKind.Null), (days[0].GetProperty("date").GetString(), days[0].GetProperty("uptimePercent").ValueKind));
        Assert.Equal(("2026-11-23", 0.0, 1L, 1), Day(days[89]));
        var incident = Assert.Single(json.GetProperty("incidents").EnumerateArray());
        Assert.Equal(("Shop", true, JsonValueKind.Null), (incident.GetProperty("monitor").GetString(), incident.GetProperty("ongoing").GetBoolean(), incident.GetProperty("resolvedAt").ValueKind));

        var html = await PageAsync(anonymous);
        Assert.Contains("Major outage", html, StringComparison.Ordinal);
        Assert.Contains("Ongoing", html, StringComparison.Ordinal);
        Assert.Contains("Shop is down", html, StringComparison.Ordinal);
        Assert.Equal(90, DayBars().Matches(html).Count);
        AssertNoLeak(text, publicTarget, privateTarget);
        AssertNoLeak(html, publicTarget, privateTarget);
        Assert.All(Links().Matches(html), link => Assert.Equal("/api/v1/status", link.Groups[1].Value));

        // The target answers again: the next check (one interval later) resolves the alert.
        app.Time.Advance(TimeSpan.FromSeconds(10));
        await checks.WaitAsync(shopId, 2);
        (json, text) = await StatusAsync(anonymous);
        Assert.Equal("operational", json.GetProperty("status").GetString());
        monitor = Assert.Single(json.GetProperty("monitors").EnumerateArray());
        Assert.Equal("up", monitor.GetProperty("status").GetString());
        Assert.Equal(("2026-11-23", 50.0, 2L, 1), Day(monitor.GetProperty("days")[89]));
        incident = Assert.Single(json.GetProperty("incidents").EnumerateArray());
        Assert.Equal((false, 10L), (incident.GetProperty("ongoing").GetBoolean(), incident.GetProperty("durationSeconds").GetInt64()));
        html = await PageAsync(anonymous);
        Assert.Contains("All systems operational", html, StringComparison.Ordinal);
        Assert.Contains("Shop was down", html, StringComparison.Ordinal);
        Assert.Contains(">10 s<", html, StringComparison.Ordinal);
        AssertNoLeak(html, publicTarget, privateTarget);

        // A day later the day of the outage is yesterday's bar: half its checks failed.
        app.Time.Advance(TimeSpan.FromDays(1));
        (json, _) = await StatusAsync(anonymous);
        days = json.GetProperty("monitors")[0].GetProperty("days");
        Assert.Equal(("2026-11-24", "2026-11-23"), (days[89].GetProperty("date").GetString(), days[88].GetProperty("date").GetString()));
        Assert.Equal(("2026-11-23", 50.0, 2L, 1), Day(days[88]));
        html = await PageAsync(anonymous);
        Assert.Contains("""<li class="day-major" title="2026-11-23: 50 % up, 1 min down">""", html, StringComparison.Ordinal);
        Assert.Contains("Report problems to ops@acme.example", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_TheViewIsSharedForTheCacheDuration()
    {
        await using var app = StartApp(settings: Enabled(cacheDuration: "00:10:00"));
        var admin = app.Admin();
        var anonymous = app.WithKey(null);
        await (await admin.PostJsonAsync("/api/v1/monitors", """{"name":"nightly-backup","type":"heartbeat","public":true}""")).ReadAsync();
        var (first, _) = await StatusAsync(anonymous);

        await (await admin.PostJsonAsync("/api/v1/monitors", """{"name":"hourly-export","type":"heartbeat","public":true}""")).ReadAsync();
        var response = await anonymous.GetAsync("/api/v1/status");
        var second = await response.ReadAsync();

        Assert.Equal("nightly-backup", Assert.Single(second.GetProperty("monitors").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(first.GetProperty("generatedAt").GetString(), second.GetProperty("generatedAt").GetString());
        Assert.Equal(("public, max-age=600", "*"), (response.Headers.CacheControl?.ToString(), response.Headers.GetValues("Access-Control-Allow-Origin").Single()));
    }

    private static (string Date, double Percent, long Checks, int DownMinutes) Day(JsonElement day) =>
        (day.GetProperty("date").GetString()!, day.GetProperty("uptimePercent").GetDouble(), day.GetProperty("checks").GetInt64(), day.GetProperty("downMinutes").GetInt32());

    private static async Task<(JsonElement Json, string Text)> StatusAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/v1/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        return (JsonDocument.Parse(text).RootElement, text);
    }

    private static async Task<string> PageAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/status") { Headers = { { "Accept", "text/html" } } };
        var response = await client.SendAsync(request);
        Assert.Equal((HttpStatusCode.OK, "text/html"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.DoesNotContain("unsafe-inline", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    // Neither monitor's target, the internal or private names, nor the check's error text.
    private static void AssertNoLeak(string text, WebhookReceiver publicTarget, WebhookReceiver privateTarget)
    {
        foreach (var secret in new[] { "127.0.0.1", publicTarget.BaseAddress.Authority, privateTarget.BaseAddress.Authority, "s3cret", "/health", "shop-internal", "secret-db", "HTTP 503" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("<li class=\"day-[a-z]+\" title=")]
    private static partial Regex DayBars();

    [GeneratedRegex("<a [^>]*href=\"([^\"]*)\"")]
    private static partial Regex Links();

    /// <summary>Every check the scheduler completes, to wait for a monitor's n-th.</summary>
    private sealed class CheckLog : IDisposable
    {
        private readonly MonitorScheduler _scheduler;
        private readonly List<string> _done = [];
        private readonly Lock _lock = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CheckLog(VigilApp app)
        {
            _scheduler = app.Services.GetRequiredService<MonitorScheduler>();
            _scheduler.CheckCompleted += Completed;
        }

        public async Task WaitAsync(string monitorId, int count)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_done.Count(id => id == monitorId) >= count)
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(timeout.Token);
            }
        }

        public void Dispose() => _scheduler.CheckCompleted -= Completed;

        private void Completed(string monitorId, MonitorTransition transition)
        {
            lock (_lock)
            {
                _done.Add(monitorId);
                _changed.TrySetResult();
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}

public sealed class SqliteStatusPageTests() : StatusPageTests(StorageProvider.Sqlite);

public sealed class PostgresStatusPageTests() : StatusPageTests(StorageProvider.Postgres);
