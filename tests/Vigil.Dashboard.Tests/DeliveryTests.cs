using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using Vigil.Notifications.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The channels, deliveries and relay pages in a real Chromium against the real server, sending to
/// a real webhook receiver on loopback.
/// </summary>
public sealed class DeliveryTests(DeliveryServerFixture fixture) : IClassFixture<DeliveryServerFixture>, IAsyncLifetime
{
    private const string SigningSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly DashboardServer _server = fixture.Server;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task WebhookChannel_BadUrlShownAtTheField_ThenCreatedTestedAndDeleted_SecretNeverInThePage()
    {
        _receiver.Secret = SigningSecret;
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(WebhookChannel_BadUrlShownAtTheField_ThenCreatedTestedAndDeleted_SecretNeverInThePage), async () =>
        {
            await page.GotoAsync("/channels/new");
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ops hook");
            await page.GetByLabel("Type").SelectOptionAsync("webhook");
            var url = page.GetByLabel("URL", new() { Exact = true });
            await url.FillAsync("not a url");
            await page.GetByLabel("Signing secret").FillAsync(SigningSecret);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();

            // The API's problem+json field error, next to the field.
            await Expect(url).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.Locator("[data-error-for='config.url']")).ToHaveTextAsync(new Regex(@"\S"));

            await url.FillAsync(_receiver.Url("/hooks/s3cret-path").ToString());
            await page.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/channels$"));
            var row = page.Locator("tr[data-channel='ops hook']");
            await Expect(row).ToContainTextAsync("Webhook");

            await row.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
            await Expect(row.Locator("output")).ToContainTextAsync("Delivered (HTTP 200)");
            var test = Assert.Single(_receiver.Requests);
            Assert.Equal("/hooks/s3cret-path", test.Path);
            Assert.True(test.SignatureValid);

            // Neither the list nor the edit form holds the signing secret or the URL's path.
            Assert.DoesNotContain(SigningSecret, await page.ContentAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-path", await page.ContentAsync(), StringComparison.Ordinal);
            await row.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
            await Expect(page.GetByLabel("Signing secret")).ToHaveAttributeAsync("placeholder", "••• (unchanged)");
            var html = await (await page.ReloadAsync())!.TextAsync();
            Assert.DoesNotContain(SigningSecret, html, StringComparison.Ordinal);
            Assert.DoesNotContain(SigningSecret[6..], html, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret-path", html, StringComparison.Ordinal);

            // Saving other fields keeps the stored secret and URL: the next test is still signed and goes to the same path.
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ops hook 2");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Test" }).ClickAsync();
            await Expect(page.Locator("output.channel-test")).ToContainTextAsync("Delivered");
            var again = _receiver.Requests[^1];
            Assert.Equal("/hooks/s3cret-path", again.Path);
            Assert.True(again.SignatureValid);

            // Delete, after the confirmation.
            page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete channel" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/channels$"));
            await Expect(page.Locator("tr[data-channel='ops hook 2']")).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task ChannelEdit_EmptyingDigestAndQuietHours_ClearsThem()
    {
        var api = _server.Api();
        var created = await api.PostAsJsonAsync("/api/v1/channels", new
        {
            name = "night shift",
            type = "webhook",
            config = new { url = _receiver.Url().ToString() },
            digestMinutes = 15,
            quietHours = new { start = "22:00", end = "07:00", timeZone = "UTC" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(ChannelEdit_EmptyingDigestAndQuietHours_ClearsThem), async () =>
        {
            await page.GotoAsync($"/channels/{id}");
            var digest = page.GetByLabel("Digest every (minutes)");
            await Expect(digest).ToHaveValueAsync("15");
            await digest.FillAsync("");
            await page.GetByLabel("From").FillAsync("");
            await page.GetByLabel("Until").FillAsync("");
            await page.GetByLabel("Time zone").FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();

            // A merge patch keeps what it does not name: the form sent null for the emptied fields.
            var channel = await api.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{id}");
            Assert.True(!channel.TryGetProperty("digestMinutes", out var d) || d.ValueKind == JsonValueKind.Null, channel.ToString());
            Assert.True(!channel.TryGetProperty("quietHours", out var q) || q.ValueKind == JsonValueKind.Null, channel.ToString());
            Assert.Equal("night shift", channel.GetProperty("name").GetString());
        });
    }

    [Fact]
    public async Task Relay_MaxConcurrencyChangedInThePage_SavedThroughTheApi()
    {
        var api = _server.Api();
        var channelId = await CreateChannelAsync(api, "relay target");
        await CreateRelayEndpointAsync(api, "orders-mc", channelId);
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Relay_MaxConcurrencyChangedInThePage_SavedThroughTheApi), async () =>
        {
            await page.GotoAsync("/relay");
            await Expect(page.Locator("[data-stat='endpoints']")).Not.ToHaveTextAsync("0");
            var control = page.GetByLabel("maxConcurrency of relay target");
            await Expect(control).ToHaveValueAsync("5");

            var saved = await page.RunAndWaitForResponseAsync(
                () => control.SelectOptionAsync("3"),
                r => r.Url.EndsWith($"/api/v1/channels/{channelId}", StringComparison.Ordinal) && r.Request.Method == "PATCH");
            Assert.Equal(200, saved.Status);

            await page.ReloadAsync();
            await Expect(page.GetByLabel("maxConcurrency of relay target")).ToHaveValueAsync("3");
            var channel = await api.GetFromJsonAsync<JsonElement>($"/api/v1/channels/{channelId}");
            Assert.Equal(3, channel.GetProperty("maxConcurrency").GetInt32());
        });
    }

    [Fact]
    public async Task DeadDelivery_ReplayedFromTheDeliveriesPage_EndsDelivered()
    {
        var api = _server.Api();
        var channelId = await CreateChannelAsync(api, "flaky receiver");
        await CreateRelayEndpointAsync(api, "orders-dead", channelId);

        // A 400 is a permanent failure: the delivery is dead-lettered at its first attempt.
        _receiver.FailNext(1, 400);
        using var caller = new HttpClient { BaseAddress = _server.BaseAddress };
        var relayed = await caller.PostAsync("/api/webhook/orders-dead", new StringContent("""{"order":7}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, relayed.StatusCode);

        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(DeadDelivery_ReplayedFromTheDeliveriesPage_EndsDelivered), async () =>
        {
            await page.GotoAsync("/deliveries");
            await WaitForDeliveryAsync(page, "dead", channelId);
            await page.ReloadAsync();
            var dead = page.Locator("section[aria-labelledby='dead-heading'] tr", new() { HasText = "flaky receiver" });
            await Expect(dead).ToContainTextAsync("dead");
            await Expect(dead).ToContainTextAsync("400");

            // The receiver is healthy again (it answers 200 unless scripted).
            await dead.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
            await _receiver.WaitUntilAsync(r => r.Count == 2 && r[^1].Status == 200, Patience);
            await WaitForDeliveryAsync(page, "succeeded", channelId);

            await page.GotoAsync($"/deliveries?status=succeeded&channel={channelId}");
            var log = page.Locator("section[aria-labelledby='log-heading'] tbody tr");
            await Expect(log).ToHaveCountAsync(1);
            await Expect(log).ToContainTextAsync("succeeded");
            await Expect(page.Locator("section[aria-labelledby='dead-heading'] tr", new() { HasText = "flaky receiver" })).ToHaveCountAsync(0);
            await Expect(page.Locator("section[aria-labelledby='breakers-heading']")).ToContainTextAsync("closed");
        });
    }

    [Fact]
    public async Task DeliveriesPage_BadFilter_400PageNotAnError()
    {
        var page = await _server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(DeliveriesPage_BadFilter_400PageNotAnError), async () =>
        {
            var response = await page.GotoAsync("/deliveries?status=exploded&limit=99999");
            Assert.Equal(400, response!.Status);
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The status must be one of");

            response = await page.GotoAsync("/channels/doesnotexist0000");
            Assert.Equal(404, response!.Status);
        });
    }

    /// <summary>Waits, polling in the page with its session, until the API lists a delivery of the channel in that status.</summary>
    private static Task WaitForDeliveryAsync(IPage page, string status, string channelId) =>
        page.WaitForFunctionAsync(
            """
            async ([status, channel]) => {
              const res = await fetch(`/api/v1/deliveries?status=${status}&channelId=${channel}`, { credentials: 'same-origin' });
              return res.ok && (await res.json()).length > 0;
            }
            """,
            new[] { status, channelId },
            new() { PollingInterval = 100, Timeout = (float)Patience.TotalMilliseconds });

    private async Task<string> CreateChannelAsync(HttpClient api, string name)
    {
        var response = await api.PostAsJsonAsync("/api/v1/channels", new { name, type = "webhook", config = new { url = _receiver.Url().ToString() } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task CreateRelayEndpointAsync(HttpClient api, string slug, string channelId)
    {
        var response = await api.PostAsJsonAsync("/api/v1/relay/endpoints", new { slug, name = slug, integrations = new[] { channelId }, allowUnauthenticated = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
