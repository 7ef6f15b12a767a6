using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using Vigil.Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The monitor pages in a real Chromium against the real server: an HTTP monitor added through
/// the form (a field error first), checked against a real receiver on loopback, its check log and
/// chart, then edited in its page's form; a heartbeat whose check-in URL the page shows.
/// </summary>
public sealed class MonitorsTests(DeliveryServerFixture fixture) : IClassFixture<DeliveryServerFixture>, IAsyncLifetime
{
    private readonly DashboardServer _server = fixture.Server;
    private WebhookReceiver _target = null!;

    public async Task InitializeAsync() => _target = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _target.DisposeAsync();

    [Fact]
    public async Task HttpMonitor_AddedInTheForm_CheckedNow_LogAndChartShowTheFailure()
    {
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(HttpMonitor_AddedInTheForm_CheckedNow_LogAndChartShowTheFailure), async () =>
        {
            await page.GotoAsync("/monitors");
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync("shop health");
            var url = page.GetByLabel("URL");
            await url.FillAsync("not a url");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add monitor" }).ClickAsync();
            await Expect(url).ToHaveAttributeAsync("aria-invalid", "true");

            await url.FillAsync(_target.Url("/health").ToString());
            await page.GetByLabel("Every (seconds)").FillAsync("3600");
            await page.GetByLabel("Show on the public status page").CheckAsync();
            await page.GetByLabel("Public name (optional)").FillAsync("Shop");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add monitor" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/monitors/[^/]+$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "shop health", Exact = false })).ToBeVisibleAsync();
            await Expect(page.GetByLabel("Shown on the public status page as “Shop”")).ToBeCheckedAsync();

            // The scheduler checks a new monitor at once (it answers 200); the target fails only
            // after that request, so the failure is the one "Check now" gets.
            await _target.WaitForArrivalsAsync(1, TimeSpan.FromSeconds(60)); // the server process checks it: slow on a loaded machine
            _target.FailNext(1, 503);
            await page.GetByRole(AriaRole.Button, new() { Name = "Check now" }).ClickAsync();
            var log = page.Locator("section[aria-labelledby='checks-heading'] tbody");
            await Expect(log).ToContainTextAsync("503");
            await Expect(page.Locator("#monitor-chart canvas").First).ToBeVisibleAsync();

            // And back: the next check passes.
            await page.GetByRole(AriaRole.Button, new() { Name = "Check now" }).ClickAsync();
            await Expect(log.Locator("tr").First).ToContainTextAsync("up");
            Assert.True(_target.Requests.Count(r => r.Path == "/health") >= 2);

            // Edited in the page's form: a new public name and a degraded threshold saved; then
            // the public name emptied, which resets it (the status page shows the monitor's name).
            var monitorUrl = page.Url;
            await page.GetByText("Edit the monitor").ClickAsync();
            var edit = page.Locator("#monitor-edit form");
            await Expect(edit.GetByLabel("URL")).ToHaveValueAsync(_target.Url("/health").ToString());
            await Expect(edit.GetByLabel("Type")).ToHaveCountAsync(0);
            await edit.GetByLabel("Public name (optional)").FillAsync("Shop front");
            await edit.GetByLabel("Degraded above (ms, optional)").FillAsync("500");
            await edit.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(page.GetByLabel("Shown on the public status page as “Shop front”")).ToBeCheckedAsync();
            await page.GetByText("Edit the monitor").ClickAsync();
            await Expect(edit.GetByLabel("Degraded above (ms, optional)")).ToHaveValueAsync("500");
            await edit.GetByLabel("Public name (optional)").FillAsync("");
            await edit.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
            await Expect(page.GetByLabel("Shown on the public status page", new() { Exact = true })).ToBeCheckedAsync();
            Assert.Equal(monitorUrl, page.Url);

            await page.GotoAsync("/monitors");
            await Expect(page.Locator("tr[data-monitor='shop health']")).ToContainTextAsync("up");
        });
    }

    [Fact]
    public async Task Heartbeat_AddedInTheForm_ItsCheckInUrlWorks()
    {
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Heartbeat_AddedInTheForm_ItsCheckInUrlWorks), async () =>
        {
            await page.GotoAsync("/monitors");
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync("nightly export");
            await page.GetByLabel("Type").SelectOptionAsync("heartbeat");
            await Expect(page.GetByLabel("URL")).ToBeHiddenAsync();
            await page.GetByLabel("Grace (seconds)").FillAsync("600");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add monitor" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/monitors/[^/]+$"));

            var path = await page.Locator("code", new() { HasTextRegex = new Regex("^/api/v1/heartbeats/") }).TextContentAsync();
            using var job = new HttpClient { BaseAddress = _server.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await job.PostAsync(path, null)).StatusCode);
            await page.ReloadAsync();
            await Expect(page.Locator("[data-monitor-state]")).ToHaveTextAsync("up");
        });
    }
}
