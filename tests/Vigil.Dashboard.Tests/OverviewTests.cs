using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>The overview and the metrics explorer in a real Chromium: ingested data shows, updates live, and the explorer's URL holds its query.</summary>
public sealed partial class OverviewTests(AdminServerFixture fixture, ITestOutputHelper output) : IClassFixture<AdminServerFixture>
{
    /// <summary>The issue's budget for the overview with every asset it loads.</summary>
    private const int PageWeightBudget = 300 * 1024;

    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task Overview_IngestedRequestsAndJobs_ShowInTheJobTableChartsAndBottlenecks()
    {
        await IngestRequestsAsync("/orders", count: 20, durationMs: 120, status: "200");
        await IngestRequestsAsync("/orders", count: 5, durationMs: 900, status: "500");
        await IngestJobsAsync("send-invoices", succeeded: 9, failed: 1, durationMs: 2_000);
        await IngestJobsAsync("nightly-export", succeeded: 1, failed: 3, durationMs: 130_000);

        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Overview_IngestedRequestsAndJobs_ShowInTheJobTableChartsAndBottlenecks), async () =>
        {
            await page.GotoAsync("/");
            var invoices = page.Locator("#jobs tr[data-job='send-invoices']");
            await Expect(invoices.Locator("td").Nth(0)).ToHaveTextAsync("10");
            await Expect(invoices.Locator("td").Nth(1)).ToHaveTextAsync("90 %");
            await Expect(invoices.Locator("td").Nth(2)).ToHaveTextAsync("2000 ms");

            // Seed 002's rules: average over 120 s and 75 % failures are both high.
            var bottlenecks = page.Locator(".bottlenecks li", new() { HasText = "nightly-export" });
            await Expect(bottlenecks).ToHaveCountAsync(2);
            await Expect(bottlenecks.First).ToContainTextAsync("high");

            // The request figures and the three charts (rate, p95, errors), drawn by uPlot.
            // (The other tests of the class send requests too: at least these.)
            Assert.True(int.Parse(await page.Locator("[data-figure=requests]").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture) >= 25);
            await Expect(page.Locator("[data-figure=error-rate]")).ToHaveTextAsync(new Regex(@"^[0-9.]+ %$"));
            await Expect(page.Locator(".overview-charts .chart canvas")).ToHaveCountAsync(3);
            await Expect(page.Locator("[data-figure=health]")).ToHaveTextAsync("healthy");
            await Expect(page.Locator("[data-figure=relay-endpoints]")).ToHaveTextAsync("0");
            await Expect(page.Locator("[data-figure=memory]")).ToContainTextAsync("MB");

            // A range outside the list is a friendly 400 with the error next to the picker.
            var bad = await page.GotoAsync("/?range=5y");
            Assert.Equal((int)HttpStatusCode.BadRequest, bad!.Status);
            await Expect(page.Locator("#range-error")).ToContainTextAsync("must be one of 15m, 1h, 6h, 24h, 7d");
        });
    }

    [Fact]
    public async Task Overview_MoreDataArrives_NumbersChangeWithoutAReload()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Overview_MoreDataArrives_NumbersChangeWithoutAReload), async () =>
        {
            await page.GotoAsync("/?range=15m");
            await Expect(page.Locator("#jobs tr[data-job='live-job']")).ToHaveCountAsync(0);
            var before = await page.Locator("[data-figure=requests]").TextContentAsync();
            await page.EvaluateAsync("() => { window.vigilTestMarker = 'still the same page'; }");

            await IngestJobsAsync("live-job", succeeded: 3, failed: 0, durationMs: 50);
            await IngestRequestsAsync("/live", count: 7, durationMs: 40, status: "200");

            await Expect(page.Locator("#jobs tr[data-job='live-job'] td").First).ToHaveTextAsync("3");
            await Expect(page.Locator("[data-figure=requests]")).Not.ToHaveTextAsync(before!);
            Assert.Equal("still the same page", await page.EvaluateAsync<string>("() => window.vigilTestMarker"));
        });
    }

    [Fact]
    public async Task Explore_QueryInTheUrl_DrawsAChartAndATable_AndTheFormRoundTripsIt()
    {
        await IngestRequestsAsync("/explore-me", count: 10, durationMs: 250, status: "200");
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Explore_QueryInTheUrl_DrawsAChartAndATable_AndTheFormRoundTripsIt), async () =>
        {
            const string Url = "/explore?metric=http_request_duration_ms&match[route]=%2Fexplore-me&agg=p95&range=1h";
            var response = await page.GotoAsync(Url);
            Assert.Equal((int)HttpStatusCode.OK, response!.Status);
            await Expect(page.Locator(".explore-charts .chart canvas")).ToHaveCountAsync(1);
            var row = page.Locator("#values tbody tr");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row.Locator("th")).ToHaveTextAsync("method=GET, route=/explore-me, status=200");
            await Expect(row.Locator("td").Nth(1)).ToContainTextAsync("ms");
            await Expect(page.GetByLabel("Labels")).ToHaveValueAsync("route=/explore-me");
            await Expect(page.GetByLabel("Aggregation")).ToHaveValueAsync("p95");

            // Run from the form: the URL holds the same query (match[label] parameters), so it can be shared.
            await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
            await Expect(page.Locator(".explore-charts .chart canvas")).ToHaveCountAsync(1);
            var query = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query);
            Assert.Equal("http_request_duration_ms", query["metric"]);
            Assert.Equal("/explore-me", query["match[route]"]);
            Assert.Equal("p95", query["agg"]);
            Assert.Equal("1h", query["range"]);
            Assert.Null(query["labels"]);

            // Another label narrows it to nothing.
            await page.GetByLabel("Labels").FillAsync("route=/explore-me, status=500");
            await page.GetByRole(AriaRole.Button, new() { Name = "Run" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(MatchStatus500());
            await Expect(page.GetByText("No series of http_request_duration_ms matches")).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task Explore_BadParameters_ShowTheErrorNextToTheField_With400()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Explore_BadParameters_ShowTheErrorNextToTheField_With400), async () =>
        {
            var response = await page.GotoAsync("/explore?metric=http_request_duration_ms&agg=p97");
            Assert.Equal((int)HttpStatusCode.BadRequest, response!.Status);
            await Expect(page.Locator("#agg-error")).ToContainTextAsync("'p97' is not one of");
            await Expect(page.GetByLabel("Aggregation")).ToHaveAttributeAsync("aria-invalid", "true");

            response = await page.GotoAsync("/explore?metric=http_request_duration_ms&step=7s&range=forever");
            Assert.Equal((int)HttpStatusCode.BadRequest, response!.Status);
            await Expect(page.Locator("#step-error")).ToContainTextAsync("multiple of 10s");
            await Expect(page.Locator("#range-error")).ToContainTextAsync("must be a duration");

            // The chart data answers a problem, not a 500.
            var data = await page.APIRequest.GetAsync("/ui/data/series?metric=http_request_duration_ms&agg=p97");
            Assert.Equal((int)HttpStatusCode.BadRequest, data.Status);
        });
    }

    [Fact]
    public async Task Overview_PageWeight_IsWithinTheBudget()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Overview_PageWeight_IsWithinTheBudget), async () =>
        {
            // Every response of the first load (each URL once: the live polls repeat), by its body's bytes.
            var bodies = new Dictionary<string, Task<byte[]>>(StringComparer.Ordinal);
            page.Response += (_, response) =>
            {
                lock (bodies)
                {
                    bodies.TryAdd(response.Url, response.Status == 204 ? Task.FromResult(Array.Empty<byte>()) : response.BodyAsync());
                }
            };
            await page.GotoAsync("/");
            await Expect(page.Locator(".overview-charts .chart > *")).ToHaveCountAsync(3);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

            KeyValuePair<string, Task<byte[]>>[] loaded;
            lock (bodies)
            {
                loaded = [.. bodies];
            }

            long total = 0;
            foreach (var (url, body) in loaded.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                var bytes = (await body).Length;
                total += bytes;
                output.WriteLine($"{bytes,8:N0}  {new Uri(url).PathAndQuery}");
            }

            output.WriteLine($"{total,8:N0}  total ({loaded.Length} responses; budget {PageWeightBudget:N0})");
            Console.WriteLine($"Overview page weight: {total:N0} bytes in {loaded.Length} responses");
            Assert.True(total <= PageWeightBudget, $"The overview weighs {total:N0} bytes, over the {PageWeightBudget:N0} budget.");
        });
    }

    private async Task IngestRequestsAsync(string route, int count, double durationMs, string status)
    {
        var points = Enumerable.Range(0, count).Select(_ => new
        {
            name = "http_request_duration_ms",
            type = "timing",
            value = durationMs,
            labels = new Dictionary<string, string> { ["route"] = route, ["method"] = "GET", ["status"] = status },
        });
        var response = await Server.Api().PostAsJsonAsync("/api/v1/metrics", new { points });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task IngestJobsAsync(string jobId, int succeeded, int failed, double durationMs)
    {
        var executions = Enumerable.Range(0, succeeded + failed).Select(i => new { jobId, success = i < succeeded, durationMs });
        var response = await Server.Api().PostAsJsonAsync("/api/v1/jobs/executions", new { executions });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [GeneratedRegex(@"match\[status\]=500")]
    private static partial Regex MatchStatus500();
}
