using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The alert pages in a real Chromium against the real server: a violation shows in the banner
/// without a reload and is acknowledged from it, the alert page draws its chart and silences,
/// the list's filters live in the URL and bad ones get a friendly page, and the bell counts
/// what is unread. Each test fires its own rule on its own metric.
/// </summary>
public sealed class AlertsTests(AdminServerFixture fixture, ITestOutputHelper output) : IClassFixture<AdminServerFixture>
{
    private const double Threshold = 100;

    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task Violation_BannerAppearsWithoutReload_AcknowledgeFromBannerWithNote()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Violation_BannerAppearsWithoutReload_AcknowledgeFromBannerWithNote), async () =>
        {
            var (_, alertId, name) = await FireAsync(page, "banner");

            await page.Locator("#banner summary").ClickAsync();
            var item = page.Locator($"#banner li[data-alert-id=\"{alertId}\"]");
            page.Dialog += async (_, dialog) => await dialog.AcceptAsync("on it, restarting the api");
            await item.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
            await Expect(page.Locator($"#banner li[data-alert-id=\"{alertId}\"]")).ToHaveCountAsync(0);

            await page.GotoAsync($"/alerts/{alertId}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();
            await Expect(page.Locator("#alert-status")).ToHaveTextAsync("acknowledged");
            await Expect(page.Locator("#history")).ToContainTextAsync("on it, restarting the api");
            await Expect(page.Locator("#history")).ToContainTextAsync(DashboardServer.AdminName);
        });
    }

    [Fact]
    public async Task AlertPage_DrawsTheChartWithTheThreshold_SilenceForFourHours()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(AlertPage_DrawsTheChartWithTheThreshold_SilenceForFourHours), async () =>
        {
            var (_, alertId, _) = await FireAsync(page, "chart");

            await page.GotoAsync($"/alerts/{alertId}");
            await Expect(page.Locator("#alert-chart canvas")).ToBeVisibleAsync();
            await Expect(page.Locator(".chart-legend")).ToContainTextAsync("threshold (greater than): 100");
            await Expect(page.Locator("#alert-threshold")).ToContainTextAsync("greater than 100");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "View metrics" })).ToHaveAttributeAsync("href", new Regex("^/explore\\?metric=alerts_ui_chart_ms&.*agg=max"));

            // The chart's data: the rule's aggregate of the group, the threshold, the firing interval.
            var chart = await page.APIRequest.GetAsync($"/ui/data/alerts/{alertId}/chart");
            Assert.Equal(200, chart.Status);
            var data = (await chart.JsonAsync())!.Value;
            Assert.Equal(Threshold, data.GetProperty("threshold").GetDouble());
            var points = Assert.Single(data.GetProperty("series").EnumerateArray()).GetProperty("points");
            Assert.Contains(points.EnumerateArray(), p => p[1].ValueKind == JsonValueKind.Number && p[1].GetDouble() == 500);
            Assert.Contains(data.GetProperty("shaded").EnumerateArray(), s => s.GetProperty("kind").GetString() == "firing");

            await page.GetByLabel("Silence for").SelectOptionAsync(new SelectOptionValue { Label = "4 h" });
            await page.GetByRole(AriaRole.Button, new() { Name = "Silence", Exact = true }).ClickAsync();
            await Expect(page.Locator("#alert-status")).ToHaveTextAsync("silenced");
            await Expect(page.Locator("#history")).ToContainTextAsync("silenced");
        });
    }

    [Fact]
    public async Task AlertList_StatusFilterInTheUrl_BadFilterIs400_BadIdIs404()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(AlertList_StatusFilterInTheUrl_BadFilterIs400_BadIdIs404), async () =>
        {
            var (ruleId, alertId, _) = await FireAsync(page, "filters");

            var firing = await page.GotoAsync($"/alerts?status=firing&labels=route%3D%2Fcheckout");
            Assert.Equal(200, firing!.Status);
            await Expect(page.Locator($"#alerts tr[data-alert-id=\"{alertId}\"]")).ToHaveCountAsync(1);
            var statuses = await page.Locator("#alerts tbody tr td:nth-child(3)").AllTextContentsAsync();
            Assert.NotEmpty(statuses);
            Assert.All(statuses, s => Assert.Equal("firing", s.Trim()));
            await Expect(page.GetByLabel("Status")).ToHaveValueAsync("firing");

            var seedPath = await page.GotoAsync($"/settings/alerts?status=firing&rule={ruleId}"); // seed 004's address
            Assert.Equal(200, seedPath!.Status);
            await Expect(page).ToHaveURLAsync(new Regex($"/alerts\\?status=firing&rule={ruleId}$"));
            await Expect(page.Locator($"#alerts tr[data-alert-id=\"{alertId}\"]")).ToHaveCountAsync(1);

            await page.GotoAsync($"/alerts?status=resolved&rule={ruleId}");
            await Expect(page.GetByText("No alert matches these filters.")).ToBeVisibleAsync();
            await page.GotoAsync($"/alerts?labels=route%3D%2Fhealth&rule={ruleId}");
            await Expect(page.GetByText("No alert matches these filters.")).ToBeVisibleAsync();

            var bad = await page.GotoAsync("/alerts?status=on-fire&from=yesterday");
            Assert.Equal(400, bad!.Status);
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("status must be one of pending, firing, acknowledged, silenced, resolved");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("from must be a date");

            var missing = await page.GotoAsync("/alerts/no-such-alert");
            Assert.Equal(404, missing!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Alert not found" })).ToBeVisibleAsync();
            var tooLong = await page.GotoAsync("/alerts/" + new string('x', 5000));
            Assert.Equal(404, tooLong!.Status);
            var chart = await page.APIRequest.GetAsync("/ui/data/alerts/no-such-alert/chart");
            Assert.Equal(404, chart.Status);
        });
    }

    [Fact]
    public async Task Notifications_MarkRead_BellCountDrops()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Notifications_MarkRead_BellCountDrops), async () =>
        {
            var (_, alertId, _) = await FireAsync(page, "bell");

            await page.GotoAsync("/notifications");
            var row = page.Locator($"#feed tr.unread:has(a[href=\"/alerts/{alertId}\"])").First;
            await Expect(row).ToBeVisibleAsync();
            var before = int.Parse((await page.Locator("#bell .bell-count").TextContentAsync())!.Trim(), System.Globalization.CultureInfo.InvariantCulture);

            await row.GetByRole(AriaRole.Button, new() { Name = "Mark read" }).ClickAsync();
            await Expect(page.Locator($"#feed tr.unread:has(a[href=\"/alerts/{alertId}\"])")).ToHaveCountAsync(0);
            if (before == 1)
            {
                await Expect(page.Locator("#bell .bell-count")).ToHaveCountAsync(0);
            }
            else
            {
                await Expect(page.Locator("#bell .bell-count")).ToHaveTextAsync((before - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            await page.Locator($"#feed a[href=\"/alerts/{alertId}\"]").First.ClickAsync();
            await Expect(page.Locator("#alert-status")).ToHaveTextAsync("firing");
        });
    }

    [Fact]
    public async Task Silences_CreateWithFieldErrorThenValid_ThenExpire()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Silences_CreateWithFieldErrorThenValid_ThenExpire), async () =>
        {
            await page.GotoAsync("/silences");
            var form = page.Locator("#silence-form");
            await form.GetByLabel("Labels").FillAsync("service=checkout");
            await form.GetByLabel("Duration (minutes)").FillAsync("600000"); // over a year: the browser lets it through, the API refuses it
            await form.GetByRole(AriaRole.Button, new() { Name = "Create the silence" }).ClickAsync();
            await Expect(form.Locator("[data-error-for=\"durationMinutes\"]")).ToContainTextAsync("at most a year");

            await form.GetByLabel("Duration (minutes)").FillAsync("30");
            await form.GetByLabel("Comment").FillAsync("deploying checkout");
            await form.GetByRole(AriaRole.Button, new() { Name = "Create the silence" }).ClickAsync();
            var row = page.Locator("#silences-active tr", new() { HasText = "deploying checkout" });
            await Expect(row).ToContainTextAsync("service=checkout");

            page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
            await row.GetByRole(AriaRole.Button, new() { Name = "Expire" }).ClickAsync();
            await Expect(page.Locator("#silences-expired tr", new() { HasText = "deploying checkout" })).ToHaveCountAsync(1);
            await Expect(page.Locator("#silences-active tr", new() { HasText = "deploying checkout" })).ToHaveCountAsync(0);
        });
    }

    /// <summary>
    /// Creates a rule on a metric of this test's own (max over 1 min above 100, no wait), opens
    /// the overview, ingests a violating point and waits for the banner to show the alert
    /// without a reload; prints how long that took.
    /// </summary>
    private async Task<(string RuleId, string AlertId, string Name)> FireAsync(IPage page, string tag)
    {
        var api = Server.Api();
        var name = $"Alerts UI {tag}";
        var metric = $"alerts_ui_{tag}_ms";
        var created = await api.PostAsync("/api/v1/alerts/rules", Json($$$"""
            {"name":"{{{name}}}","metric":"{{{metric}}}","match":{"service":"api"},"groupBy":["route"],"aggregation":"max","windowMinutes":1,
             "minDataPoints":1,"thresholdType":"static","threshold":{{{Threshold}}},"comparison":"greater_than","forSeconds":0,
             "severity":"critical","cooldownMinutes":60,"channels":[],"enabled":true}
            """));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var ruleId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        var clock = Stopwatch.StartNew();
        var ingested = await api.PostAsync("/api/v1/metrics", Json($$$"""
            {"points":[{"name":"{{{metric}}}","type":"timing","value":500,"labels":{"service":"api","route":"/checkout"}},
                       {"name":"{{{metric}}}","type":"timing","value":20,"labels":{"service":"api","route":"/health"}}]}
            """));
        Assert.True(ingested.IsSuccessStatusCode, await ingested.Content.ReadAsStringAsync());
        var item = page.Locator("#banner li", new() { HasText = name });
        await Expect(page.Locator("#banner .banner")).ToBeVisibleAsync();
        await Expect(item).ToHaveCountAsync(1);
        clock.Stop();
        var line = $"Violating ingest to banner visible ({tag}): {clock.Elapsed.TotalMilliseconds:0} ms";
        Console.WriteLine(line);
        output.WriteLine(line);
        return (ruleId, (await item.GetAttributeAsync("data-alert-id"))!, name);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
