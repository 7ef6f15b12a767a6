using MimeKit;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Email;

/// <summary>Sends through the real SMTP server of test.sh and reads the messages back from its Maildir.</summary>
public sealed class EmailSenderTests : IAsyncLifetime
{
    private NotificationHarness _harness = null!;

    public Task InitializeAsync()
    {
        _harness = NotificationHarness.Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task SendAsync_Alert_ArrivesAsHtmlAndTextAlternatives()
    {
        string key = NewKey();

        var result = await _harness.SendAsync(EmailChannel(), key: key);

        Assert.True(result.IsDelivered, result.Error);
        var message = Assert.Single(SmtpMailbox.Find(key));
        Assert.Equal("[CRITICAL] Vigil alert: High response time", message.Subject);
        Assert.Equal(["ops@example.com", "oncall@example.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("vigil@example.com", message.From.Mailboxes.Single().Address);
        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Contains("#DC2626", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("href=\"https://vigil.example.com/api/v1/alerts/alert-1/acknowledge?sig=abc\"", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("View Dashboard", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("p95 of http_request_duration_ms is 2450.5 ms (threshold 2000 ms)", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("route: /api/orders", message.TextBody, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Severity.Info, "#2563EB")]
    [InlineData(Severity.Warning, "#D97706")]
    [InlineData(Severity.Error, "#EA580C")]
    public async Task SendAsync_Severity_ColoursTheHtml(Severity severity, string colour)
    {
        string key = NewKey();

        var result = await _harness.SendAsync(EmailChannel(), NotificationHarness.Alert(severity), key: key);
        Assert.True(result.IsDelivered, result.Error);

        var message = Assert.Single(SmtpMailbox.Find(key));
        Assert.StartsWith($"[{severity.ToWire().ToUpperInvariant()}] Vigil alert:", message.Subject, StringComparison.Ordinal);
        Assert.Contains($"background-color:{colour}", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_AlertTextWithHtml_IsEncoded()
    {
        string key = NewKey();
        var alert = NotificationHarness.Alert() with { Description = "<script>alert(1)</script>", DashboardUrl = "javascript:alert(1)" };

        await _harness.SendAsync(EmailChannel(), alert, key: key);

        var message = Assert.Single(SmtpMailbox.Find(key));
        Assert.DoesNotContain("<script>", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Digest_IsOneEmailListingEveryAlert()
    {
        string key = NewKey();
        var digest = new[]
        {
            NotificationHarness.Alert(Severity.Warning, name: "Queue depth"),
            NotificationHarness.Alert(Severity.Info, name: "Slow endpoint"),
            NotificationHarness.Alert(Severity.Warning, name: "Disk space"),
        };

        var result = await _harness.Sender.SendAsync(DeliveryRequest.ForDigest(EmailChannel(), key, digest));

        Assert.True(result.IsDelivered, result.Error);
        var message = Assert.Single(SmtpMailbox.Find(key));
        Assert.Equal("[WARNING] Vigil digest: 3 alerts", message.Subject);
        Assert.All(digest, n => Assert.Contains(n.AlertName, message.TextBody, StringComparison.Ordinal));
        Assert.All(digest, n => Assert.Contains(n.AlertName, message.HtmlBody, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_Relay_SendsThePayloadAsJson()
    {
        string key = NewKey();
        byte[] raw = System.Text.Encoding.UTF8.GetBytes("{\"order\":42,\"note\":\"<b>\"}");

        var result = await _harness.Sender.SendAsync(DeliveryRequest.ForRelay(EmailChannel(), key, new RelayPayload("orders", raw)));

        Assert.True(result.IsDelivered, result.Error);
        var message = Assert.Single(SmtpMailbox.Find(key));
        Assert.Equal("Vigil relay: payload from orders", message.Subject);
        Assert.Contains("\"order\": 42", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_Retry_KeepsTheMessageId()
    {
        string key = NewKey();

        await _harness.SendAsync(EmailChannel(), key: key, attempt: 1);
        await _harness.SendAsync(EmailChannel(), key: key, attempt: 2);

        var messages = SmtpMailbox.Find(key);
        Assert.Equal(2, messages.Count);
        Assert.Equal(messages[0].MessageId, messages[1].MessageId);
    }

    [Fact]
    public async Task SendAsync_SmtpOnLoopbackWhenPrivateNetworksNotAllowed_IsRefused()
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        string key = NewKey();

        var result = await harness.SendAsync(EmailChannel(), key: key);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("loopback", result.Error, StringComparison.Ordinal);
        Assert.Empty(SmtpMailbox.Find(key));
    }

    [Fact]
    public async Task SendAsync_NoSmtpServerListening_IsRetryable()
    {
        var channel = new ChannelDefinition("ch-mail-down", "mail", ChannelType.Email,
            new EmailChannelConfig("127.0.0.1", WebhookReceiver.FreePort(), SmtpTls.None, null, null, "vigil@example.com", ["ops@example.com"]));

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithAServerWithoutIt_IsPermanent()
    {
        var (host, port) = SmtpMailbox.Server;
        var channel = new ChannelDefinition("ch-mail-tls", "mail", ChannelType.Email,
            new EmailChannelConfig(host, port, SmtpTls.StartTls, null, null, "vigil@example.com", ["ops@example.com"]));

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("STARTTLS", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    private static string NewKey() => $"alert-1:firing:mail:{Guid.NewGuid():N}";

    private static ChannelDefinition EmailChannel()
    {
        var (host, port) = SmtpMailbox.Server;
        return new ChannelDefinition("ch-mail", "ops-mail", ChannelType.Email,
            new EmailChannelConfig(host, port, SmtpTls.None, null, null, "Vigil <vigil@example.com>", ["ops@example.com", "oncall@example.com"]));
    }
}
