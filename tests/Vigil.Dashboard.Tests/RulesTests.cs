using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>The rule pages: create through the form with the API's field errors beside their fields, Test with a chart, the enable toggle, editing, a bad id.</summary>
public sealed class RulesTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task CreateThroughTheForm_BadValuesShowBesideTheirFields_FixedItIsSavedAndListed()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(CreateThroughTheForm_BadValuesShowBesideTheirFields_FixedItIsSavedAndListed), async () =>
        {
            await page.GotoAsync("/settings/alerts/config");
            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            await page.GetByRole(AriaRole.Link, new() { Name = "New rule" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New rule" })).ToBeVisibleAsync();

            await page.GetByLabel("Name").FillAsync("Slow checkout");
            await page.GetByLabel("Metric").FillAsync("checkout_duration_ms");
            await page.GetByLabel("Window (minutes)").FillAsync("-5");
            await page.GetByLabel("Threshold", new() { Exact = true }).FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the rule" }).ClickAsync();

            // The API's problem+json errors, each beside its field.
            await Expect(page.Locator("[data-error-for=windowMinutes]")).ToContainTextAsync("must be more than 0");
            await Expect(page.Locator("[data-error-for=threshold]")).ToContainTextAsync("is required");
            await Expect(page.GetByLabel("Window (minutes)")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page).ToHaveURLAsync(new Regex("/rules/new$"));

            await page.GetByLabel("Window (minutes)").FillAsync("10");
            await page.GetByLabel("Threshold", new() { Exact = true }).FillAsync("1500");
            await page.GetByLabel("Aggregation").SelectOptionAsync("p95");
            await page.GetByLabel("Severity").SelectOptionAsync("critical");
            await page.GetByLabel("Group by").FillAsync("route");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the rule" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Slow checkout" });
            await Expect(row).ToContainTextAsync("checkout_duration_ms");
            await Expect(row).ToContainTextAsync("p95 over 10 min");
            await Expect(row).ToContainTextAsync("> 1500");
            await Expect(row).ToContainTextAsync("critical");

            var saved = (await ListRulesAsync()).Single(r => r.GetProperty("name").GetString() == "Slow checkout");
            Assert.Equal((10d, 1500d, "p95", "critical"), (saved.GetProperty("windowMinutes").GetDouble(), saved.GetProperty("threshold").GetDouble(), saved.GetProperty("aggregation").GetString(), saved.GetProperty("severity").GetString()));
            Assert.Equal("route", Assert.Single(saved.GetProperty("groupBy").EnumerateArray()).GetString());
        });
    }

    [Fact]
    public async Task Test_ReplaysTheRuleAsTyped_DrawsTheChartAndCountsTheFirings()
    {
        // Two hours of history ending an hour ago (older than the in-memory hour: it goes to the
        // stored rollups the Test replays), with a slow quarter of an hour in the middle.
        var start = TimeProvider.System.GetUtcNow().AddHours(-3);
        start = start.AddTicks(-(start.Ticks % TimeSpan.TicksPerMinute));
        var body = new StringBuilder("{\"points\":[");
        for (var minute = 0; minute < 120; minute++)
        {
            var value = minute is >= 60 and < 75 ? 3000 : 100;
            for (var i = 0; i < 6; i++)
            {
                var at = start.AddMinutes(minute).AddSeconds(i * 10).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
                body.Append(CultureInfo.InvariantCulture, $"{{\"name\":\"search_duration_ms\",\"type\":\"timing\",\"value\":{value},\"labels\":{{\"route\":\"/search\"}},\"timestamp\":\"{at}\"}},");
            }
        }

        body.Length--;
        body.Append("]}");
        using (var ingest = await Server.Api().PostAsync("/api/v1/metrics", new StringContent(body.ToString(), Encoding.UTF8, "application/json")))
        {
            Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
        }

        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Test_ReplaysTheRuleAsTyped_DrawsTheChartAndCountsTheFirings), async () =>
        {
            await page.GotoAsync("/rules/new");
            await page.GetByLabel("Name").FillAsync("Slow search (not saved)");
            await page.GetByLabel("Metric").FillAsync("search_duration_ms");
            await page.GetByLabel("Window (minutes)").FillAsync("5");
            await page.GetByLabel("Threshold", new() { Exact = true }).FillAsync("1000");
            await page.GetByLabel("Range").SelectOptionAsync("6h");
            await page.GetByRole(AriaRole.Button, new() { Name = "Test", Exact = true }).ClickAsync();

            await Expect(page.Locator("#rule-test-summary")).ToContainTextAsync("would have fired 1 time and resolved 1 time");
            await Expect(page.Locator("#rule-test-chart canvas").First).ToBeVisibleAsync();
            await Expect(page.Locator(".rule-test .chart-legend")).ToContainTextAsync("avg(search_duration_ms)");
            await Expect(page.Locator(".rule-test .chart-legend")).ToContainTextAsync("threshold: 1");
            await Expect(page.Locator("#rule-test-table")).ToContainTextAsync("Transitions (3)");

            // Nothing was saved.
            Assert.DoesNotContain(await ListRulesAsync(), r => r.GetProperty("name").GetString() == "Slow search (not saved)");
        });
    }

    [Fact]
    public async Task EnableToggle_IsSavedThroughTheApi_AndStaysAfterAReload()
    {
        var id = await CreateRuleAsync(new { name = "Toggle me", metric = "queue_depth", threshold = 100, enabled = true });
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(EnableToggle_IsSavedThroughTheApi_AndStaysAfterAReload), async () =>
        {
            await page.GotoAsync("/rules");
            var toggle = page.GetByRole(AriaRole.Checkbox, new() { Name = "Enabled: Toggle me" });
            await Expect(toggle).ToBeCheckedAsync();

            var patch = await page.RunAndWaitForResponseAsync(() => toggle.UncheckAsync(), r => r.Url.EndsWith($"/api/v1/alerts/rules/{id}", StringComparison.Ordinal) && r.Request.Method == "PATCH");
            Assert.Equal((int)HttpStatusCode.OK, patch.Status);

            await page.ReloadAsync();
            await Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "Enabled: Toggle me" })).Not.ToBeCheckedAsync();
            Assert.False((await GetRuleAsync(id)).GetProperty("enabled").GetBoolean());
        });
    }

    [Fact]
    public async Task Edit_ChangesTheRule_ClearedFieldsAndRemovedLabelsAreReset()
    {
        var id = await CreateRuleAsync(new
        {
            name = "Errors on api",
            metric = "http_requests_total",
            match = new Dictionary<string, string> { ["service"] = "api", ["env"] = "prod" },
            aggregation = "error_rate_percent",
            threshold = 5,
            recoveryThreshold = 3,
            labels = new Dictionary<string, string> { ["team"] = "web" },
        });
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Edit_ChangesTheRule_ClearedFieldsAndRemovedLabelsAreReset), async () =>
        {
            await page.GotoAsync("/rules");
            await page.GetByRole(AriaRole.Link, new() { Name = "Errors on api" }).ClickAsync();
            await Expect(page.GetByLabel("Match labels")).ToHaveValueAsync("env=prod\nservice=api");

            await page.GetByLabel("Match labels").FillAsync("service=api");
            await page.GetByLabel("Recovery threshold").FillAsync("");
            await page.GetByLabel("Threshold type").SelectOptionAsync("dynamic");
            await Expect(page.GetByLabel("Baseline multiplier")).ToBeVisibleAsync();
            await page.GetByLabel("Baseline multiplier").FillAsync("2.5");
            await page.GetByLabel("Baseline days").FillAsync("14");
            await page.GetByLabel("Labels", new() { Exact = true }).FillAsync("team=platform");
            await page.GetByLabel("Description").FillAsync("Share of failed requests to the api service.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Errors on api" });
            await Expect(row).ToContainTextAsync("> 2.5 × baseline (14 d)");
            await Expect(row).ToContainTextAsync("Share of failed requests");
            var rule = await GetRuleAsync(id);
            Assert.Equal("dynamic", rule.GetProperty("thresholdType").GetString());
            Assert.Equal(2.5, rule.GetProperty("baselineMultiplier").GetDouble());
            Assert.Equal(JsonValueKind.Null, rule.GetProperty("recoveryThreshold").ValueKind);
            Assert.Equal("""{"service":"api"}""", rule.GetProperty("match").GetRawText());
            Assert.Equal("""{"team":"platform"}""", rule.GetProperty("labels").GetRawText());
            Assert.Equal("Share of failed requests to the api service.", rule.GetProperty("description").GetString());
        });
    }

    [Fact]
    public async Task Edit_UnlessUsual_IsAStaticThresholdsCheckboxSavedThroughTheApi()
    {
        var id = await CreateRuleAsync(new { name = "Slow reports", metric = "report_duration_ms", aggregation = "p95", threshold = 5000, recoveryThreshold = 4000 });
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Edit_UnlessUsual_IsAStaticThresholdsCheckboxSavedThroughTheApi), async () =>
        {
            await page.GotoAsync($"/rules/{id}");
            var unlessUsual = page.GetByLabel("Unless usual");
            await Expect(unlessUsual).Not.ToBeCheckedAsync();
            await unlessUsual.CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Slow reports" })).ToContainTextAsync("> 5000, unless usual");
            Assert.True((await GetRuleAsync(id)).GetProperty("unlessUsual").GetBoolean());

            // A static threshold's option: hidden for the other kinds.
            await page.GotoAsync($"/rules/{id}");
            await Expect(page.GetByLabel("Unless usual")).ToBeCheckedAsync();
            await page.GetByLabel("Threshold type").SelectOptionAsync("anomaly");
            await Expect(page.GetByLabel("Unless usual")).ToBeHiddenAsync();
        });
    }

    [Fact]
    public async Task Edit_TrimMinutes_SavedThroughTheApi_ListedWithTheWindow_TooManyShownBesideTheField()
    {
        var id = await CreateRuleAsync(new { name = "Quiet errors", metric = "report_duration_ms", aggregation = "error_rate_percent", windowMinutes = 10, threshold = 5 });
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Edit_TrimMinutes_SavedThroughTheApi_ListedWithTheWindow_TooManyShownBesideTheField), async () =>
        {
            await page.GotoAsync($"/rules/{id}");
            await page.GetByLabel("Trim minutes").FillAsync("10");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();
            await Expect(page.Locator("[data-error-for=trimMinutes]")).ToContainTextAsync("less than windowMinutes");

            await page.GetByLabel("Trim minutes").FillAsync("1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Quiet errors" })).ToContainTextAsync("error_rate_percent over 10 min, worst minute left out");
            Assert.Equal(1, (await GetRuleAsync(id)).GetProperty("trimMinutes").GetInt32());
        });
    }

    [Fact]
    public async Task Edit_AnomalyMethod_SequentialSavedThroughTheApi_ListedAsSuch_APercentileRefusedBesideTheField()
    {
        var id = await CreateRuleAsync(new { name = "Orders", metric = "orders_total", groupBy = new[] { "shop" }, aggregation = "p95", thresholdType = "anomaly", comparison = "less_than" });
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Edit_AnomalyMethod_SequentialSavedThroughTheApi_ListedAsSuch_APercentileRefusedBesideTheField), async () =>
        {
            await page.GotoAsync($"/rules/{id}");
            await page.GetByLabel("Method").SelectOptionAsync("sequential");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();
            await Expect(page.Locator("[data-error-for=anomalyMethod]")).ToContainTextAsync("not p95");

            await page.GetByLabel("Aggregation").SelectOptionAsync("rate_per_minute");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save the rule" }).ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/rules$"));
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Orders" })).ToContainTextAsync("fewer than usual, sequential (medium)");
            Assert.Equal("sequential", (await GetRuleAsync(id)).GetProperty("anomalyMethod").GetString());
        });
    }

    [Fact]
    public async Task UnknownRule_FriendlyNotFoundPage()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(UnknownRule_FriendlyNotFoundPage), async () =>
        {
            var response = await page.GotoAsync("/rules/no-such-rule");
            Assert.Equal((int)HttpStatusCode.NotFound, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Rule not found" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Back to the rules" })).ToBeVisibleAsync();

            var tooLong = await page.GotoAsync("/rules/" + new string('x', 5000));
            Assert.Equal((int)HttpStatusCode.NotFound, tooLong!.Status);
        });
    }

    private async Task<string> CreateRuleAsync(object rule)
    {
        using var response = await Server.Api().PostAsJsonAsync("/api/v1/alerts/rules", rule);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> GetRuleAsync(string id) =>
        await Server.Api().GetFromJsonAsync<JsonElement>($"/api/v1/alerts/rules/{id}");

    private async Task<JsonElement[]> ListRulesAsync() =>
        [.. (await Server.Api().GetFromJsonAsync<JsonElement>("/api/v1/alerts/rules")).EnumerateArray()];
}
