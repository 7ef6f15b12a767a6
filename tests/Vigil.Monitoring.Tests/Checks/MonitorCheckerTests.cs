using System.Net;
using System.Net.Sockets;
using Vigil.Monitoring.Definitions;
using Vigil.Monitoring.Tests.Infrastructure;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Monitoring.Tests.Checks;

/// <summary>The checker against real targets on loopback: HTTP answers of every kind, TLS, TCP, the address guard.</summary>
public sealed class MonitorCheckerTests : IAsyncLifetime
{
    private MonitoringHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await MonitoringHarness.CreateAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Http_ExpectedAnswer_Up()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.Enqueue(new ScriptedAnswer(200, Body: """{"status":"ok","checks":[{"state":"green"}]}"""));
        var monitor = _harness.Define($$$"""{"name":"api","url":"{{{target.Url("/health")}}}","keyword":"ok","jsonPath":"$.checks[0].state","jsonPathValue":"green","headers":{"X-Probe":"vigil"}}""");

        var result = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Up, result.Status);
        Assert.Equal(200, result.StatusCode);
        Assert.Null(result.Message);
        var request = Assert.Single(target.Requests);
        Assert.Equal(("GET", "/health", "vigil"), (request.Method, request.Path, request.Header("x-probe")));
    }

    [Fact]
    public async Task Http_WrongStatus_DownWithTheStatus()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(1, 503);
        var monitor = _harness.Define($$"""{"name":"api","url":"{{target.Url()}}","expectedStatus":["200-299", 304]}""");

        var result = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Down, result.Status);
        Assert.Equal(503, result.StatusCode);
        Assert.Equal("HTTP 503 Service Unavailable (expected 200-299, 304)", result.Message);
    }

    [Fact]
    public async Task Http_ExpectedNon2xxStatus_Up()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(1, 401);
        var monitor = _harness.Define($$"""{"name":"api","method":"POST","body":"{}","url":"{{target.Url()}}","expectedStatus":["4xx"]}""");

        Assert.Equal(MonitorStatus.Up, (await _harness.Checker.CheckAsync(monitor)).Status);
        Assert.Equal("POST", Assert.Single(target.Requests).Method);
    }

    [Fact]
    public async Task Http_MissingKeyword_Down()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.Enqueue(new ScriptedAnswer(200, Body: "maintenance page"));
        var monitor = _harness.Define($$"""{"name":"api","url":"{{target.Url()}}","keyword":"Welcome"}""");

        var result = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Down, result.Status);
        Assert.Equal("The body does not contain the keyword 'Welcome'.", result.Message);
    }

    [Fact]
    public async Task Http_JsonPathValueDiffers_Down()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.Enqueue(new ScriptedAnswer(200, Body: """{"db":{"ok":false}}"""));
        target.Enqueue(new ScriptedAnswer(200, Body: "<html>not json</html>"));
        var monitor = _harness.Define($$"""{"name":"api","url":"{{target.Url()}}","jsonPath":"$.db.ok","jsonPathValue":"true"}""");

        var differs = await _harness.Checker.CheckAsync(monitor);
        var notJson = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal((MonitorStatus.Down, "$.db.ok is 'false', expected 'true'."), (differs.Status, differs.Message));
        Assert.Equal((MonitorStatus.Down, "The body is not JSON (the condition on $.db.ok needs it)."), (notJson.Status, notJson.Message));
    }

    [Fact]
    public async Task Http_SlowerThanThreshold_DegradedWithTheTime()
    {
        await using var target = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource();
        target.Enqueue(new ScriptedAnswer(200, HoldUntil: release));
        var monitor = _harness.Define($$"""{"name":"api","url":"{{target.Url()}}","degradedAboveMs":1000,"timeoutSeconds":5}""");

        var checking = _harness.Checker.CheckAsync(monitor);
        await target.WaitForArrivalsAsync(1);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(1500));
        release.SetResult();
        var result = await checking;

        Assert.Equal(MonitorStatus.Degraded, result.Status);
        Assert.True(result.ResponseMs >= 1500, $"{result.ResponseMs} ms");
        Assert.StartsWith("Answered in 15", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_NoAnswerWithinTimeout_Down()
    {
        await using var target = await WebhookReceiver.StartAsync();
        var never = new TaskCompletionSource();
        target.Enqueue(new ScriptedAnswer(200, HoldUntil: never));
        var monitor = _harness.Define($$"""{"name":"api","url":"{{target.Url()}}","timeoutSeconds":5}""");

        var checking = _harness.Checker.CheckAsync(monitor);
        await target.WaitForArrivalsAsync(1);
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        var result = await checking;

        Assert.Equal((MonitorStatus.Down, "No answer within 5 s."), (result.Status, result.Message));
        never.SetResult();
    }

    [Fact]
    public async Task Http_NothingListening_DownConnectionFailed()
    {
        var monitor = _harness.Define($$"""{"name":"api","url":"http://127.0.0.1:{{WebhookReceiver.FreePort()}}/"}""");

        var result = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Down, result.Status);
        Assert.StartsWith("The connection failed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_CertificateExpiresWithinWarning_Degraded()
    {
        var now = DateTimeOffset.UtcNow;
        await using var target = await TlsTarget.StartAsync(now.AddDays(-1), now.AddDays(5));
        await using var harness = await MonitoringHarness.CreateAsync(start: now);
        var monitor = harness.Define($$"""{"name":"tls","url":"{{target.Url}}","ignoreTlsErrors":true,"certificateExpiryDays":14}""");

        var result = await harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Degraded, result.Status);
        Assert.Contains("The TLS certificate expires in 5", result.Message, StringComparison.Ordinal);
        Assert.Equal(target.Certificate.NotAfter.ToUniversalTime(), result.CertificateExpiresAt!.Value.UtcDateTime, TimeSpan.FromSeconds(1));

        // Later on the clock, past its end: down.
        harness.Time.Advance(TimeSpan.FromDays(6));
        var expired = await harness.Checker.CheckAsync(monitor);
        Assert.Equal(MonitorStatus.Down, expired.Status);
        Assert.StartsWith("The TLS certificate expired", expired.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_SelfSignedWithoutIgnore_DownHandshakeFailed()
    {
        var now = DateTimeOffset.UtcNow;
        await using var target = await TlsTarget.StartAsync(now.AddDays(-1), now.AddDays(60));
        var monitor = _harness.Define($$"""{"name":"tls","url":"{{target.Url}}"}""");

        var result = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Down, result.Status);
        Assert.StartsWith("The TLS handshake failed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_ListenerThenClosed_UpThenDown()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var monitor = _harness.Define($$"""{"name":"db","type":"tcp","host":"127.0.0.1","port":{{port}}}""");

        var open = await _harness.Checker.CheckAsync(monitor);
        listener.Stop();
        var closed = await _harness.Checker.CheckAsync(monitor);

        Assert.Equal(MonitorStatus.Up, open.Status);
        Assert.NotNull(open.ResponseMs);
        Assert.Equal(MonitorStatus.Down, closed.Status);
        Assert.StartsWith($"The connection to 127.0.0.1:{port} failed", closed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrivateTarget_NotAllowed_RefusedAtSaveAndAtConnect()
    {
        await using var target = await WebhookReceiver.StartAsync();
        await using var harness = await MonitoringHarness.CreateAsync(allowLoopback: false);
        var monitor = harness.Define($$"""{"name":"api","url":"{{target.Url()}}"}""");
        var validator = (Vigil.Monitoring.Checks.MonitorValidator)harness.Services.GetService(typeof(Vigil.Monitoring.Checks.MonitorValidator))!;

        var problems = await validator.CheckTargetAsync(monitor);
        var result = await harness.Checker.CheckAsync(monitor);

        Assert.Contains("loopback", Assert.Single(problems["url"]), StringComparison.Ordinal);
        Assert.Equal(MonitorStatus.Down, result.Status);
        Assert.Contains("loopback address", result.Message, StringComparison.Ordinal);
        Assert.Empty(target.Requests);
    }
}
