using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// Issue 13, item 7: the performance pages in a real Chromium — an endpoint's requests from two
/// hours ago, summed by the aggregation schedule run over the API, show as an operation with its
/// sparkline in its baseline band, its baseline and last 24 hours, beside the default service-level
/// objectives; the operation's page draws its chart with the band, an objective's page its burn-down.
/// </summary>
public sealed class PerformanceTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task Performance_AnalysedEndpoint_ShowsItsBaselineAndTheObjectives()
    {
        // Arrange: 20 requests two hours ago (a complete hour), then the aggregation schedule runs now.
        var api = Server.Api();
        var at = DateTimeOffset.UtcNow.AddHours(-2);
        var points = Enumerable.Range(0, 20).Select(i => new
        {
            name = "http_request_duration_ms",
            type = "timing",
            value = 250.0,
            labels = new Dictionary<string, string> { ["route"] = "/perf-page", ["method"] = "GET", ["status"] = "200" },
            timestamp = at.AddSeconds(i),
        });
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync("/api/v1/metrics", new { points })).StatusCode);
        var requested = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync("/api/v1/schedules/aggregation/run", null)).StatusCode);
        await WaitForRunAfterAsync(api, requested);

        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Performance_AnalysedEndpoint_ShowsItsBaselineAndTheObjectives), async () =>
        {
            // Act
            await page.GotoAsync("/performance");

            // Assert
            var row = page.Locator("#operations tr[data-operation='GET /perf-page']");
            await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("route");
            await Expect(row.Locator("svg.spark path.spark-line")).ToHaveCountAsync(1); // the sparkline of the last 48 hours
            await Expect(row.Locator("svg.spark rect.spark-band")).ToHaveCountAsync(1); // within its baseline band
            await Expect(row.Locator("td").Nth(4)).ToContainTextAsync("ms"); // the baseline's p95
            await Expect(row.Locator("td").Nth(6)).ToHaveTextAsync("20");    // executions over 24 h
            await Expect(page.Locator("#slos tbody tr")).ToHaveCountAsync(6);
            await Expect(page.Locator("#slos tr[data-slo='api-latency'] th")).ToHaveTextAsync("API response time");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Performance" })).ToHaveAttributeAsync("aria-current", "page");

            // The operation's page: its figures against the baseline, and its chart drawn with the band's legend.
            await row.GetByRole(AriaRole.Link, new() { Name = "GET /perf-page" }).ClickAsync();
            await Expect(page.Locator("h1")).ToContainTextAsync("GET /perf-page");
            await Expect(page.Locator("#operation-figures tr[data-period='all-hours'] td").Nth(0)).ToHaveTextAsync("20");
            await Expect(page.Locator("#operation-chart canvas").First).ToBeVisibleAsync();
            await Expect(page.Locator(".chart-legend")).ToContainTextAsync("baseline p95 ± 10 %");

            // An objective's page: its status and the burn-down chart's place.
            await page.GotoAsync("/performance");
            await page.Locator("#slos tr[data-slo='api-errors'] th a").ClickAsync();
            await Expect(page.Locator("h1")).ToContainTextAsync("API error rate");
            await Expect(page.Locator("main p.muted").First).ToContainTextAsync("99.9 % of http_request_duration_ms without errors over 30 days");
            await Expect(page.Locator("#slo-status")).ToContainTextAsync("SLI over 30 days");
            await Expect(page.Locator("#slo-chart canvas, #slo-chart .empty:not(.chart-error)").First).ToBeVisibleAsync(); // the burn-down loaded (drawn, or no hour stored yet)
        });
    }

    /// <summary>Waits (a condition, polled) until the schedule records a run started after <paramref name="requested"/>, and checks it succeeded.</summary>
    private static async Task WaitForRunAfterAsync(HttpClient api, DateTimeOffset requested)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var schedule = await api.GetFromJsonAsync<JsonElement>("/api/v1/schedules/aggregation", timeout.Token);
            if (schedule.GetProperty("lastOutcome") is { ValueKind: JsonValueKind.Object } outcome
                && schedule.GetProperty("lastRunAt").GetDateTimeOffset() >= requested.AddSeconds(-1))
            {
                Assert.Equal("succeeded", outcome.GetProperty("status").GetString());
                return;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
