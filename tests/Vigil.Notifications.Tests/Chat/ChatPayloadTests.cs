using System.Text;
using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Chat;

public sealed class ChatPayloadTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private NotificationHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _harness = NotificationHarness.Create();
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_Slack_PostsBlocksWithDashboardAndAcknowledgeButtons()
    {
        var result = await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url("/services/T0/B0/secret")));

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var json = Assert.Single(_receiver.Requests).Json;
        Assert.Contains("High response time", json.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = json.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Contains("[CRITICAL] High response time", blocks[0].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains(blocks, b => b.GetProperty("type").GetString() == "section"
            && b.TryGetProperty("text", out var t) && t.GetProperty("text").GetString()!.Contains("2450.5 ms", StringComparison.Ordinal));
        var fields = blocks.Single(b => b.TryGetProperty("fields", out _)).GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!).ToList();
        Assert.Contains(fields, f => f.StartsWith("*Severity*\nCRITICAL", StringComparison.Ordinal));
        Assert.Contains(fields, f => f.StartsWith("*Triggered*\n<!date^", StringComparison.Ordinal));
        var buttons = blocks.Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements").EnumerateArray()
            .ToDictionary(e => e.GetProperty("text").GetProperty("text").GetString()!, e => e.GetProperty("url").GetString());
        Assert.Equal("https://vigil.example.com/alerts/alert-1", buttons["View Dashboard"]);
        Assert.Equal("https://vigil.example.com/api/v1/alerts/alert-1/acknowledge?sig=abc", buttons["Acknowledge"]);
    }

    [Fact]
    public async Task SendAsync_SlackResolved_HasNoAcknowledgeButton()
    {
        var resolved = NotificationHarness.Alert(status: IntentKind.Resolved) with { ResolvedAt = NotificationHarness.StartTime };

        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url()), resolved);

        string text = Assert.Single(_receiver.Requests).Text;
        Assert.DoesNotContain("Acknowledge", text, StringComparison.Ordinal);
        Assert.Contains("View Dashboard", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SlackAlertTextWithMarkup_IsEscaped()
    {
        var alert = NotificationHarness.Alert() with { Description = "<!channel> & <https://evil.example|click>" };

        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url()), alert);

        string text = Assert.Single(_receiver.Requests).Json.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Equal("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;", text);
    }

    [Theory]
    [InlineData(Severity.Info, 0x2563EB)]
    [InlineData(Severity.Warning, 0xD97706)]
    [InlineData(Severity.Error, 0xEA580C)]
    [InlineData(Severity.Critical, 0xDC2626)]
    public async Task SendAsync_Discord_PostsAnEmbedColouredBySeverity(Severity severity, int colour)
    {
        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Discord, _receiver.Url()), NotificationHarness.Alert(severity));

        var json = Assert.Single(_receiver.Requests).Json;
        var embed = Assert.Single(json.GetProperty("embeds").EnumerateArray());
        Assert.Equal(colour, embed.GetProperty("color").GetInt32());
        Assert.Contains("High response time", embed.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("[Acknowledge](https://vigil.example.com/api/v1/alerts/alert-1/acknowledge?sig=abc)", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("https://vigil.example.com/alerts/alert-1", embed.GetProperty("url").GetString());
        Assert.Empty(json.GetProperty("allowed_mentions").GetProperty("parse").EnumerateArray());
    }

    [Fact]
    public async Task SendAsync_Teams_PostsAnAdaptiveCardMessage()
    {
        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Teams, _receiver.Url()));

        var json = Assert.Single(_receiver.Requests).Json;
        Assert.Equal("message", json.GetProperty("type").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("Attention", card.GetProperty("body")[0].GetProperty("color").GetString());
        var actions = card.GetProperty("actions").EnumerateArray().ToDictionary(a => a.GetProperty("title").GetString()!, a => a.GetProperty("url").GetString());
        Assert.Equal("https://vigil.example.com/alerts/alert-1", actions["View Dashboard"]);
        Assert.Equal("https://vigil.example.com/api/v1/alerts/alert-1/acknowledge?sig=abc", actions["Acknowledge"]);
        var facts = card.GetProperty("body").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "FactSet").GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("CRITICAL", facts["Severity"]);
        Assert.Equal("/api/orders", facts["route"]);
    }

    [Fact]
    public async Task SendAsync_DiscordLabelWithMarkdownLink_ShownAsText()
    {
        var alert = MarkdownAlert();

        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Discord, _receiver.Url()), alert);

        var json = Assert.Single(_receiver.Requests).Json;
        var embed = json.GetProperty("embeds")[0];
        string labels = embed.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Labels").GetProperty("value").GetString()!;
        Assert.Contains(@"promo=\[click\]\(http://evil.example\)", labels, StringComparison.Ordinal);
        Assert.Contains("metric_name=http_request_duration_ms", labels, StringComparison.Ordinal); // an underscore inside a word means nothing
        Assert.StartsWith(@"\*\*Free\*\* \[prize\]\(http://evil.example\)", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(@"\_\_Checkout\_\_ \<@everyone\>", embed.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains(@"\_\_Checkout\_\_", json.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Contains("[Acknowledge](https://vigil.example.com/", embed.GetProperty("description").GetString(), StringComparison.Ordinal); // Vigil's own links stay links
        Assert.DoesNotContain("[click](", json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_TeamsLabelWithMarkdownLink_ShownAsText()
    {
        var alert = MarkdownAlert();

        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Teams, _receiver.Url()), alert);

        var json = Assert.Single(_receiver.Requests).Json;
        var body = json.GetProperty("attachments")[0].GetProperty("content").GetProperty("body");
        var facts = body.EnumerateArray().Single(b => b.GetProperty("type").GetString() == "FactSet").GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal(@"\[click\]\(http://evil.example\)", facts["promo"]);
        Assert.Equal("http_request_duration_ms", facts["metric_name"]);
        Assert.Equal(@"\_\_Checkout\_\_ <@everyone> — firing", body[0].GetProperty("text").GetString()![11..]);
        Assert.StartsWith(@"\*\*Free\*\* \[prize\]\(http://evil.example\)", body[1].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("[click](", json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SlackLabelWithMarkup_IsEscaped()
    {
        var alert = NotificationHarness.Alert() with { Labels = new Dictionary<string, string> { ["promo"] = "<http://evil.example|click> & more" } };

        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url()), alert);

        string text = Assert.Single(_receiver.Requests).Json.GetRawText();
        Assert.Contains("`promo=&lt;http://evil.example|click&gt; &amp; more`", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<http://evil.example", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChannelType.Discord)]
    [InlineData(ChannelType.Teams)]
    public async Task SendAsync_RelayWithMarkdownInNameAndBody_ShownAsText(ChannelType type)
    {
        byte[] raw = Encoding.UTF8.GetBytes("{\"note\":\"[click](http://evil.example)\"}");

        await _harness.Sender.SendAsync(DeliveryRequest.ForRelay(NotificationHarness.Chat(type, _receiver.Url()), "relay-1", new RelayPayload("[orders](http://evil.example)", raw)));

        string text = Assert.Single(_receiver.Requests).Json.GetRawText();
        Assert.Contains(@"payload from \\[orders\\]\\(http://evil.example\\)", text, StringComparison.Ordinal);
        if (type == ChannelType.Teams)
        {
            // Discord shows the body in a code block, where Markdown means nothing; Teams has none.
            Assert.DoesNotContain("[click](", text, StringComparison.Ordinal);
        }
    }

    private static AlertNotification MarkdownAlert() => NotificationHarness.Alert(name: "__Checkout__ <@everyone>") with
    {
        Labels = new Dictionary<string, string> { ["promo"] = "[click](http://evil.example)", ["metric_name"] = "http_request_duration_ms" },
        Description = "**Free** [prize](http://evil.example)",
    };

    [Theory]
    [InlineData(ChannelType.Slack)]
    [InlineData(ChannelType.Discord)]
    [InlineData(ChannelType.Teams)]
    public async Task SendAsync_RelayToChat_ShowsTheJsonInACodeBlock(ChannelType type)
    {
        byte[] raw = Encoding.UTF8.GetBytes("{\"order\":42,\"status\":\"paid\"}");

        var result = await _harness.Sender.SendAsync(DeliveryRequest.ForRelay(NotificationHarness.Chat(type, _receiver.Url()), "relay-1", new RelayPayload("orders", raw)));

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        string text = Assert.Single(_receiver.Requests).Text;
        Assert.Contains("orders", text, StringComparison.Ordinal);
        Assert.Contains("\\\"order\\\": 42", text, StringComparison.Ordinal);
        if (type != ChannelType.Teams)
        {
            Assert.Contains("```", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("Monospace", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SendAsync_SlackDigest_ListsEveryAlert()
    {
        var digest = Enumerable.Range(1, 3).Select(i => NotificationHarness.Alert(Severity.Warning, name: $"Alert {i}")).ToList();

        await _harness.Sender.SendAsync(DeliveryRequest.ForDigest(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url()), "digest-1", digest));

        var json = Assert.Single(_receiver.Requests).Json;
        Assert.Contains("Vigil digest: 3 alerts", json.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
        string all = json.GetRawText();
        Assert.All(digest, n => Assert.Contains(n.AlertName, all, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_Chat_SendsNoWebhookSignatureHeaders()
    {
        await _harness.SendAsync(NotificationHarness.Chat(ChannelType.Slack, _receiver.Url()));

        Assert.Null(Assert.Single(_receiver.Requests).Header("webhook-signature"));
        Assert.Equal(JsonValueKind.Object, _receiver.Requests[0].Json.ValueKind);
    }
}
