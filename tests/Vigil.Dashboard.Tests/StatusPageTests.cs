using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using Vigil.Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The public status page in a real Chromium against the real server: an admin marks a monitor
/// public on its page; a visitor who never signed in opens <c>/status</c> and sees it by its
/// public name with its state and 90 daily bars, with no link into the dashboard, no target, and
/// nothing the page's Content Security Policy refused.
/// </summary>
public sealed class StatusPageTests(StatusPageTests.Fixture fixture) : IClassFixture<StatusPageTests.Fixture>, IAsyncLifetime
{
    private readonly DashboardServer _server = fixture.Server;
    private WebhookReceiver _target = null!;

    public async Task InitializeAsync() => _target = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _target.DisposeAsync();

    [Fact]
    public async Task MonitorMadePublicOnItsPage_VisitorSeesItWithoutSigningIn()
    {
        var api = _server.Api();
        var created = await api.PostAsync("/api/v1/monitors", new StringContent(
            $$"""{"name":"shop-eu1","publicName":"Shop","url":"{{_target.Url("/health")}}","intervalSeconds":3600}""", System.Text.Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        (await api.PostAsync($"/api/v1/monitors/{id}/check", null)).EnsureSuccessStatusCode();

        var admin = await _server.NewPageAsync();
        await DashboardServer.RunAsync(admin, nameof(MonitorMadePublicOnItsPage_VisitorSeesItWithoutSigningIn) + "-admin", async () =>
        {
            await admin.GotoAsync($"/monitors/{id}");
            var toggle = admin.GetByLabel("Shown on the public status page");
            await Expect(toggle).Not.ToBeCheckedAsync();
            var patch = await admin.RunAndWaitForResponseAsync(() => toggle.CheckAsync(), r => r.Request.Method == "PATCH" && r.Url.EndsWith($"/api/v1/monitors/{id}", StringComparison.Ordinal));
            Assert.True(patch.Ok);
        });

        var visitor = await _server.NewPageAsync(signedIn: false);
        var refused = new List<string>();
        visitor.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                refused.Add(message.Text);
            }
        };
        await DashboardServer.RunAsync(visitor, nameof(MonitorMadePublicOnItsPage_VisitorSeesItWithoutSigningIn), async () =>
        {
            await visitor.GotoAsync("/status");
            Assert.EndsWith("/status", visitor.Url, StringComparison.Ordinal);
            await Expect(visitor.GetByRole(AriaRole.Heading, new() { Name = "Acme status", Level = 1 })).ToBeVisibleAsync();
            await Expect(visitor.GetByRole(AriaRole.Status)).ToHaveTextAsync("All systems operational");
            var shop = visitor.Locator("li[data-status-monitor='Shop']");
            await Expect(shop).ToContainTextAsync("Operational");
            await Expect(shop.Locator("ol.status-bars > li")).ToHaveCountAsync(90);
            await Expect(shop.Locator("ol.status-bars > li.day-full")).ToHaveCountAsync(1);
            await Expect(shop.Locator("ol.status-bars > li").Last).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex(": 100 % up, 0 min down$"));
            await Expect(visitor.Locator("a:not([href='/api/v1/status'])")).ToHaveCountAsync(0);

            var html = await visitor.ContentAsync();
            Assert.DoesNotContain(_target.BaseAddress.Authority, html, StringComparison.Ordinal);
            Assert.DoesNotContain("shop-eu1", html, StringComparison.Ordinal);
            Assert.Empty(refused);
        });
    }

    /// <summary>A server with the status page on, fresh on every request, and loopback targets allowed.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal DashboardServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await DashboardServer.StartWithAdminAsync(new Dictionary<string, string>
        {
            ["Vigil__Delivery__AllowPrivateNetworks"] = "true",
            ["Vigil__StatusPage__Enabled"] = "true",
            ["Vigil__StatusPage__Title"] = "Acme status",
            ["Vigil__StatusPage__CacheDuration"] = "00:00:00",
        });

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
