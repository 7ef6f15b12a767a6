using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Webhooks;

public sealed class WebhookSenderTests : IAsyncLifetime
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
    public async Task SendAsync_Alert_PostsTheSpecBody()
    {
        var result = await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal(200, result.HttpStatus);
        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Header("content-type"), StringComparison.Ordinal);
        var json = request.Json;
        string[] expected = ["alertId", "alertName", "status", "severity", "metricName", "metricValue", "thresholdValue", "labels", "triggeredAt", "resolvedAt", "runbookUrl", "dashboardUrl", "context", "service", "version"];
        Assert.Equal(expected, json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("alert-1", json.GetProperty("alertId").GetString());
        Assert.Equal("firing", json.GetProperty("status").GetString());
        Assert.Equal("critical", json.GetProperty("severity").GetString());
        Assert.Equal(2450.5, json.GetProperty("metricValue").GetDouble());
        Assert.Equal(2000, json.GetProperty("thresholdValue").GetDouble());
        Assert.Equal("/api/orders", json.GetProperty("labels").GetProperty("route").GetString());
        Assert.Equal("2026-11-23T17:57:00.000Z", json.GetProperty("triggeredAt").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("resolvedAt").ValueKind);
        Assert.Equal("vigil", json.GetProperty("service").GetString());
        Assert.Equal("0.1.0", json.GetProperty("version").GetString());
    }

    [Fact]
    public async Task SendAsync_NoSecret_SendsIdAndTimestampWithoutSignature()
    {
        await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()), key: "alert-1:firing:webhook");

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("alert-1:firing:webhook", request.Header("webhook-id"));
        Assert.Equal(NotificationHarness.StartTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Header("webhook-timestamp"));
        Assert.Null(request.Header("webhook-signature"));
        Assert.Null(request.Header("authorization"));
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("a plain secret without the prefix")]
    public async Task SendAsync_Secret_SignatureVerifiesIndependently(string secret)
    {
        _receiver.Secret = secret;

        await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url(), secret));

        var request = Assert.Single(_receiver.Requests);
        Assert.StartsWith("v1,", request.Header("webhook-signature"), StringComparison.Ordinal);
        Assert.True(request.SignatureValid);
    }

    [Fact]
    public async Task SendAsync_WrongSecretAtReceiver_SignatureDoesNotVerify()
    {
        _receiver.Secret = "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("another key of 24 bytes!"));

        await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));

        Assert.False(Assert.Single(_receiver.Requests).SignatureValid);
    }

    [Fact]
    public async Task SendAsync_Retry_KeepsTheIdAndSignsTheNewTimestamp()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        _receiver.Secret = secret;
        _receiver.FailNext(1);
        var channel = NotificationHarness.Webhook(_receiver.Url(), secret);

        var first = await _harness.SendAsync(channel, key: "k-1", attempt: 1);
        _harness.Time.Advance(TimeSpan.FromSeconds(30));
        var second = await _harness.SendAsync(channel, key: "k-1", attempt: 2);

        Assert.Equal(DeliveryStatus.RetryableFailure, first.Status);
        Assert.Equal(DeliveryStatus.Delivered, second.Status);
        var requests = _receiver.Requests;
        Assert.Equal(["k-1", "k-1"], requests.Select(r => r.Header("webhook-id")));
        Assert.Equal(30, long.Parse(requests[1].Header("webhook-timestamp")!, CultureInfo.InvariantCulture) - long.Parse(requests[0].Header("webhook-timestamp")!, CultureInfo.InvariantCulture));
        Assert.NotEqual(requests[0].Header("webhook-signature"), requests[1].Header("webhook-signature"));
        Assert.All(requests, r => Assert.True(r.SignatureValid));
    }

    [Fact]
    public async Task SendAsync_BearerToken_SendsAuthorizationHeader()
    {
        await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url(), bearerToken: "tok-123"));

        Assert.Equal("Bearer tok-123", Assert.Single(_receiver.Requests).Header("authorization"));
    }

    [Fact]
    public async Task SendAsync_Relay_PostsTheRawBodyAsReceivedAndSignsIt()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        _receiver.Secret = secret;
        byte[] raw = Encoding.UTF8.GetBytes("{ \"order\" : 42,\n  \"items\":[1,2] }");

        var result = await _harness.Sender.SendAsync(DeliveryRequest.ForRelay(
            NotificationHarness.Webhook(_receiver.Url(), secret), "relay-7:ch", new RelayPayload("orders", raw)));

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(raw, request.Body);
        Assert.Equal("relay-7:ch", request.Header("webhook-id"));
        Assert.True(request.SignatureValid);
    }

    [Fact]
    public async Task SendAsync_Digest_PostsEveryNotification()
    {
        var digest = new[]
        {
            NotificationHarness.Alert(Severity.Warning, name: "Queue depth"),
            NotificationHarness.Alert(Severity.Info, name: "Slow endpoint"),
        };

        await _harness.Sender.SendAsync(DeliveryRequest.ForDigest(NotificationHarness.Webhook(_receiver.Url()), "digest-1", digest));

        var json = Assert.Single(_receiver.Requests).Json;
        Assert.Equal("digest", json.GetProperty("type").GetString());
        Assert.Equal(2, json.GetProperty("count").GetInt32());
        Assert.Equal(["Queue depth", "Slow endpoint"], json.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("alertName").GetString()));
    }

    [Theory]
    [InlineData(200, DeliveryStatus.Delivered)]
    [InlineData(201, DeliveryStatus.Delivered)]
    [InlineData(204, DeliveryStatus.Delivered)]
    [InlineData(301, DeliveryStatus.PermanentFailure)]
    [InlineData(302, DeliveryStatus.PermanentFailure)]
    [InlineData(307, DeliveryStatus.PermanentFailure)]
    [InlineData(400, DeliveryStatus.PermanentFailure)]
    [InlineData(401, DeliveryStatus.PermanentFailure)]
    [InlineData(404, DeliveryStatus.PermanentFailure)]
    [InlineData(410, DeliveryStatus.Gone)]
    [InlineData(429, DeliveryStatus.RetryableFailure)]
    [InlineData(500, DeliveryStatus.RetryableFailure)]
    [InlineData(502, DeliveryStatus.RetryableFailure)]
    [InlineData(503, DeliveryStatus.RetryableFailure)]
    [InlineData(504, DeliveryStatus.RetryableFailure)]
    public async Task SendAsync_ReceiverStatus_MapsToDeliveryStatus(int status, DeliveryStatus expected)
    {
        _receiver.Enqueue(new ScriptedAnswer(status, status is >= 300 and < 400 ? new Dictionary<string, string> { ["Location"] = "/elsewhere" } : null));

        var result = await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Equal(expected, result.Status);
        Assert.Equal(status, result.HttpStatus);
        Assert.Equal(expected != DeliveryStatus.Delivered, result.Error is not null);
    }

    [Fact]
    public async Task SendAsync_Redirect_IsNotFollowed()
    {
        _receiver.Enqueue(new ScriptedAnswer(302, new Dictionary<string, string> { ["Location"] = "/elsewhere" }));

        await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Equal(["/hook"], _receiver.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterSeconds_ReturnsRetryAfter()
    {
        _receiver.Enqueue(new ScriptedAnswer(429, new Dictionary<string, string> { ["Retry-After"] = "120" }));

        var result = await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
        Assert.Equal(TimeSpan.FromSeconds(120), result.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_503WithRetryAfterDate_ReturnsTheWaitFromNow()
    {
        string date = NotificationHarness.StartTime.AddMinutes(5).ToString("R", CultureInfo.InvariantCulture);
        _receiver.Enqueue(new ScriptedAnswer(503, new Dictionary<string, string> { ["Retry-After"] = date }));

        var result = await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
        Assert.Equal(TimeSpan.FromMinutes(5), result.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_ReceiverErrorBody_IsInTheError()
    {
        _receiver.Enqueue(new ScriptedAnswer(400, Body: "invalid_payload"));

        var result = await _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));

        Assert.Contains("invalid_payload", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SlowReceiver_TimesOutAsRetryableAfter15Seconds()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Enqueue(new ScriptedAnswer(200, HoldUntil: hold));

        var sending = _harness.SendAsync(NotificationHarness.Webhook(_receiver.Url()));
        await _receiver.WaitForArrivalsAsync(1);
        _harness.Time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(sending.IsCompleted);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending;
        hold.TrySetResult();

        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
        Assert.Contains("15 s", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NothingListening_IsRetryable()
    {
        var channel = NotificationHarness.Webhook(new Uri($"http://127.0.0.1:{WebhookReceiver.FreePort()}/hook"));

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_Throws()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Enqueue(new ScriptedAnswer(200, HoldUntil: hold));
        using var shutdown = new CancellationTokenSource();

        var sending = _harness.Sender.SendAsync(DeliveryRequest.ForAlert(NotificationHarness.Webhook(_receiver.Url()), "k", NotificationHarness.Alert()), shutdown.Token);
        await _receiver.WaitForArrivalsAsync(1);
        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        hold.TrySetResult();
    }

    [Fact]
    public async Task SendAsync_InApp_IsDeliveredWithoutSending()
    {
        var channel = new ChannelDefinition("ch-feed", "feed", ChannelType.InApp, new InAppChannelConfig());

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task SendAsync_InvalidChannelSettings_IsPermanentNamingTheField()
    {
        var channel = new ChannelDefinition("ch-bad", "bad", ChannelType.Webhook, new WebhookChannelConfig("ftp://files.example.com/x", null, null));

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("config.url", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_DisabledChannel_IsPermanentAndSendsNothing()
    {
        var channel = NotificationHarness.Webhook(_receiver.Url()) with { Enabled = false };

        var result = await _harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Empty(_receiver.Requests);
    }
}
