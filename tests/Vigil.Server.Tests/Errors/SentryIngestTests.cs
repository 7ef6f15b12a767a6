using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using static Vigil.Otlp.Tests.Metrics.Otlp;
using static Vigil.Otlp.Tests.Traces.OtlpTraces;
using static Vigil.Server.Tests.Errors.SentryHttp;
using static Vigil.Server.Tests.Otlp.OtlpHttp;
using Kind = Vigil.Otlp.Proto.Trace.V1.Span.Types.SpanKind;

namespace Vigil.Server.Tests.Errors;

/// <summary>
/// Issue 15: error events from the Sentry protocol (envelopes, the store endpoint) and OTLP span
/// exceptions, grouped into issues over HTTP: counts, hashed users, scrubbing, states, regressions
/// and the error alerts delivered to a webhook.
/// </summary>
public abstract class SentryIngestTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Delivery:AllowedHosts:0"] = "127.0.0.1",
        ["Vigil:Jobs:PollInterval"] = "00:00:01",
        ["Vigil:Http:PublicUrl"] = "https://vigil.example.com",
    };

    [Fact]
    public async Task Envelope_SameErrorOnOtherLines_OneIssueCountedOnce_UsersHashed_Scrubbed_NewIssueAlertDelivered()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        await RouteToAsync(admin, webhook, "error_new_issue");
        var sentry = SentryClient(app);

        using var first = await SendEnvelopeAsync(sentry, Envelope(Id(1), null, ("event", Event(Id(1), "Order 42 not found for ann@example.com", line: 120, user: "ann@example.com"))));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(Id(1), (await first.ReadAsync()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(2), null, ("event", Event(Id(2), "Order 7 not found", line: 133, user: "bob@example.com"))))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(1), null, ("event", Event(Id(1), line: 120, user: "ann@example.com"))))).StatusCode); // an SDK's retry
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(3), null, ("event", Event(Id(3), type: "System.ArgumentException"))))).StatusCode);

        var issues = (await (await admin.GetAsync("/api/v1/issues?service=shop&sort=count")).ReadAsync()).GetProperty("issues");
        Assert.Equal(2, issues.GetArrayLength());
        var issue = issues[0];
        Assert.Equal(("System.InvalidOperationException: Order 42 not found for [email]", "Shop.Orders.OrderService in Place", "unresolved"),
            (issue.GetProperty("title").GetString(), issue.GetProperty("culprit").GetString(), issue.GetProperty("state").GetString()));
        Assert.Equal((2L, 2L, false), (issue.GetProperty("count").GetInt64(), issue.GetProperty("usersAffected").GetInt64(), issue.GetProperty("usersCapped").GetBoolean()));
        Assert.Equal("System.ArgumentException", issues[1].GetProperty("exceptionType").GetString());

        var id = issue.GetProperty("id").GetString()!;
        using var detail = await admin.GetAsync($"/api/v1/issues/{id}");
        var text = await detail.Content.ReadAsStringAsync();
        var events = JsonDocument.Parse(text).RootElement.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        Assert.Equal("POST https://shop.example/orders", events[0].GetProperty("request").GetString());
        Assert.Equal(64, events[0].GetProperty("userHash").GetString()!.Length);
        Assert.Equal("[redacted]", events[0].GetProperty("tags").GetProperty("session_token").GetString());
        foreach (var secret in (string[])["ann@example.com", "bob@example.com", "cookie-value", "header-secret", "token=abc", "4111111111111111", "s3cr3t"])
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        var fired = (await webhook.WaitUntilAsync(r => r.Count >= 2, Patience)).Select(r => r.Json).ToList();
        var alert = Assert.Single(fired, f => f.GetProperty("labels").GetProperty("issue_id").GetString() == id);
        Assert.Equal(("New Error Issue", "firing", "shop"), (alert.GetProperty("alertName").GetString(), alert.GetProperty("status").GetString(), alert.GetProperty("labels").GetProperty("service").GetString()));
        Assert.Contains("New issue in shop: System.InvalidOperationException", alert.GetProperty("context").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolved_EventInSameReleaseStays_NewReleaseRegresses_IgnoredResolvesAlerts()
    {
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        var sentry = SentryClient(app);
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(1), null, ("event", Event(Id(1), release: "shop@1.0"))))).StatusCode);
        var id = (await (await admin.GetAsync("/api/v1/issues")).ReadAsync()).GetProperty("issues")[0].GetProperty("id").GetString()!;
        Assert.Single(await FiringAsync(admin, "error_new_issue"));

        var resolved = await admin.PatchAsync($"/api/v1/issues/{id}", Json.Body("""{"state":"resolved"}"""));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal(app.Time.GetUtcNow(), (await resolved.ReadAsync()).GetProperty("resolvedAt").GetDateTimeOffset());
        Assert.Empty(await FiringAsync(admin, "error_new_issue"));

        // The old release still running: counted, still resolved. A new release: regressed.
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(2), null, ("event", Event(Id(2), release: "shop@1.0"))))).StatusCode);
        var still = await (await admin.GetAsync($"/api/v1/issues/{id}")).ReadAsync();
        Assert.Equal(("resolved", 2L), (still.GetProperty("state").GetString(), still.GetProperty("count").GetInt64()));
        Assert.Empty(await FiringAsync(admin, "error_regression"));

        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(3), null, ("event", Event(Id(3), release: "shop@1.1"))))).StatusCode);
        var regressed = await (await admin.GetAsync($"/api/v1/issues/{id}")).ReadAsync();
        Assert.Equal(("unresolved", "shop@1.0", "shop@1.1"), (regressed.GetProperty("state").GetString(), regressed.GetProperty("firstRelease").GetString(), regressed.GetProperty("lastRelease").GetString()));
        var alert = Assert.Single(await FiringAsync(admin, "error_regression"));
        Assert.Contains("seen again in release shop@1.1", alert.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Single((await (await admin.GetAsync("/api/v1/issues?release=shop@1.1&state=unresolved")).ReadAsync()).GetProperty("issues").EnumerateArray());

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsync($"/api/v1/issues/{id}", Json.Body("""{"state":"ignored"}"""))).StatusCode);
        Assert.Empty(await FiringAsync(admin, "error_regression"));
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(4), null, ("event", Event(Id(4), release: "shop@1.2"))))).StatusCode);
        var ignored = await (await admin.GetAsync($"/api/v1/issues/{id}")).ReadAsync();
        Assert.Equal(("ignored", 4L), (ignored.GetProperty("state").GetString(), ignored.GetProperty("count").GetInt64()));
        Assert.Empty(await FiringAsync(admin, "error_regression"));
    }

    [Fact]
    public async Task StoreGzipWithQueryKey_EnvelopeDeflateWithDsnKey_BothRecorded()
    {
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        var ingest = await admin.PostJsonAsync("/api/v1/keys", """{"name":"sdk","role":"ingest"}""");
        var key = (await ingest.ReadAsync()).GetProperty("key").GetString()!;
        var anonymous = app.WithKey(null);

        using var stored = await PostAsync(anonymous, $"/api/7/store/?sentry_key={Uri.EscapeDataString(key)}", Gzip(Encoding.UTF8.GetBytes(Event(Id(1), service: "billing"))), "application/json", "gzip");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var dsn = $"http://{Uri.EscapeDataString(key)}@vigil.example.com/7";
        using var enveloped = await SendEnvelopeAsync(anonymous, Deflate(Envelope(Id(2), dsn, ("event", Event(Id(2), "Other failure", type: "System.TimeoutException", service: "billing")))), "/api/7/envelope/", encoding: "deflate");
        Assert.Equal(HttpStatusCode.OK, enveloped.StatusCode);

        var issues = (await (await admin.GetAsync("/api/v1/issues?service=billing&sort=firstSeen")).ReadAsync()).GetProperty("issues");
        Assert.Equal(["System.TimeoutException", "System.InvalidOperationException"], issues.EnumerateArray().Select(i => i.GetProperty("exceptionType").GetString()));

        // A viewer key is not an ingest key.
        var viewer = await admin.PostJsonAsync("/api/v1/keys", """{"name":"eyes","role":"viewer"}""");
        var viewerKey = (await viewer.ReadAsync()).GetProperty("key").GetString()!;
        using var refused = await SendEnvelopeAsync(SentryClient(app, viewerKey), Envelope(Id(3), null, ("event", Event(Id(3)))));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task OtlpSpanException_IssueWithParsedFrames_SentAgainCountedOnce()
    {
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        var t0 = Nanos(app) - (500 * Millisecond);
        const string Stack = "System.InvalidOperationException: no lines\n   at Shop.Orders.LineLoader.Load(Int32 id) in /src/LineLoader.cs:line 12\n   at Shop.Orders.OrdersController.Get(Int32 id) in /src/OrdersController.cs:line 40";
        var export = Export("shop",
            Span(TraceId(1), SpanId(1), null, "GET /orders/{id}", Kind.Server, t0, 120, Attribute("http.route", "/orders/{id}"), Attribute("http.request.method", "GET")),
            Span(TraceId(1), SpanId(2), SpanId(1), "load lines", Kind.Internal, t0, 3).Failed("no lines").WithException("System.InvalidOperationException", "no lines for ann@example.com", Stack));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(admin, "/v1/traces", export.ToByteArray(), Protobuf)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(admin, "/v1/traces", export.ToByteArray(), Protobuf)).StatusCode);

        var issue = Assert.Single((await (await admin.GetAsync("/api/v1/issues?service=shop")).ReadAsync()).GetProperty("issues").EnumerateArray());
        Assert.Equal(("System.InvalidOperationException: no lines for [email]", "Shop.Orders.LineLoader in Load", 1L),
            (issue.GetProperty("title").GetString(), issue.GetProperty("culprit").GetString(), issue.GetProperty("count").GetInt64()));
        var latest = issue.GetProperty("latestEvent");
        Assert.Equal(("otlp", TraceId(1)), (latest.GetProperty("source").GetString(), latest.GetProperty("traceId").GetString()));
        Assert.Equal(2, latest.GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public async Task BadEnvelopes_Refused_ValidOnesStillRecorded()
    {
        await using var app = StartApp(settings: Settings);
        var sentry = SentryClient(app);

        Assert.Equal(HttpStatusCode.BadRequest, (await SendEnvelopeAsync(sentry, Encoding.UTF8.GetBytes("{}\n{\"type\":\"event\",\"length\":999}\n{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendEnvelopeAsync(sentry, Gzip(Envelope(Id(9), null, ("event", Event(Id(9)))))[..30], encoding: "gzip")).StatusCode);
        using var unknown = await SendEnvelopeAsync(sentry, Envelope(Id(8), null, ("profile_chunk_v9", "{}"), ("client_report", "{}"), ("transaction", "{\"type\":\"transaction\"}"), ("event", Event(Id(8)))));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);

        var issue = Assert.Single((await (await app.Admin().GetAsync("/api/v1/issues")).ReadAsync()).GetProperty("issues").EnumerateArray());
        Assert.Equal(1, issue.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Envelope_TransactionWithSpans_TransactionTraceAndSeries_BadSpanDroppedAlone_EventKept()
    {
        await using var app = StartApp(settings: new(Settings) { ["Vigil:Traces:SamplePercent"] = "100" });
        var start = app.Time.GetUtcNow().AddSeconds(-2);
        string At(double ms) => start.AddMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
        string Seconds(double ms) => (start.AddMilliseconds(ms) - DateTimeOffset.UnixEpoch).TotalSeconds.ToString(CultureInfo.InvariantCulture);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var transaction = $$$"""
            {"type":"transaction","event_id":"{{{Id(21)}}}","transaction":"GET /orders/{id}","transaction_info":{"source":"route"},
             "start_timestamp":"{{{At(0)}}}","timestamp":"{{{At(120)}}}","release":"shop@2.0.0","tags":{"service":"shop"},
             "request":{"method":"GET","url":"https://shop.example/orders/42?token=abc","cookies":"sid=secret"},
             "contexts":{"trace":{"trace_id":"{{{traceId}}}","span_id":"00f067aa0ba902b7","op":"http.server","status":"ok"},"response":{"status_code":200}},
             "spans":[
               {"span_id":"00f067aa0ba902b8","parent_span_id":"00f067aa0ba902b7","trace_id":"{{{traceId}}}","op":"db.query","description":"SELECT qty FROM stock WHERE id = 42","start_timestamp":"{{{At(10)}}}","timestamp":"{{{At(40)}}}","status":"ok"},
               {"span_id":"00f067aa0ba902b9","parent_span_id":"00f067aa0ba902b7","trace_id":"{{{traceId}}}","op":"http.client","description":"GET http://stock.internal/items/42?key=k","start_timestamp":{{{Seconds(50)}}},"timestamp":{{{Seconds(90)}}}},
               {"span_id":"00f067aa0ba902ba","parent_span_id":"00f067aa0ba902b7","op":"db.query","description":"ends before it starts","start_timestamp":"{{{At(60)}}}","timestamp":"{{{At(50)}}}"}]}
            """;

        using var response = await SendEnvelopeAsync(SentryClient(app), Envelope(Id(21), null, ("transaction", transaction.ReplaceLineEndings("")), ("event", Event(Id(22)))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var admin = app.Admin();
        var found = Assert.Single((await (await admin.GetAsync("/api/v1/transactions?service=shop")).ReadAsync()).EnumerateArray());
        Assert.Equal((traceId, "/orders/{id}", "GET", "ok"), (found.GetProperty("traceId").GetString(), found.GetProperty("route").GetString(), found.GetProperty("method").GetString(), found.GetProperty("status").GetString()));
        Assert.Equal(120, found.GetProperty("durationMs").GetDouble(), 3);

        var trace = await (await admin.GetAsync($"/api/v1/traces/{traceId}")).ReadAsync();
        Assert.Equal(3, trace.GetProperty("spanCount").GetInt32()); // the span ending before it starts is refused alone
        var root = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.Equal(("GET /orders/{id}", "server", true), (root.GetProperty("name").GetString(), root.GetProperty("kind").GetString(), root.GetProperty("transaction").GetBoolean()));
        var children = root.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal([("db", "SELECT stock"), ("http", "GET stock.internal")], children.Select(c => (c.GetProperty("kind").GetString(), c.GetProperty("name").GetString())));
        Assert.Equal("SELECT qty FROM stock WHERE id = ?", children[0].GetProperty("attributes").GetProperty("db.query.text").GetString());
        Assert.DoesNotContain("key=k", children[1].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", trace.ToString(), StringComparison.Ordinal);

        Assert.Single(await SeriesAsync(admin, "span_duration_ms", "count", "&match[service]=shop&match[kind]=db&match[name]=SELECT%20stock"));
        Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "count", "&match[service]=shop&match[route]=/orders/{id}&match[status]=ok"));
        Assert.Equal(1, Assert.Single((await (await admin.GetAsync("/api/v1/issues")).ReadAsync()).GetProperty("issues").EnumerateArray()).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Spike_TwentyEventsAfterAQuietHour_Fires_ThenClearsWhenQuiet()
    {
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        var sentry = SentryClient(app);
        Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(1), null, ("event", Event(Id(1)))))).StatusCode);

        app.Time.Advance(TimeSpan.FromMinutes(70));
        for (var n = 2; n <= 21; n++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendEnvelopeAsync(sentry, Envelope(Id(n), null, ("event", Event(Id(n)))))).StatusCode);
        }

        var spike = Assert.Single(await FiringAsync(admin, "error_spike"));
        Assert.Contains("20 events", spike.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Quiet for 10 minutes: the minute watch clears it.
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var deadline = DateTime.UtcNow + Patience;
        while ((await FiringAsync(admin, "error_spike")).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // the watch runs on its own timer after the clock moved
        }

        Assert.Empty(await FiringAsync(admin, "error_spike"));
    }

    private static async Task RouteToAsync(HttpClient admin, WebhookReceiver webhook, string ruleId)
    {
        var channel = await (await admin.PostJsonAsync("/api/v1/channels", $$$"""{"name":"errors-hook","type":"webhook","config":{"url":"{{{webhook.Url("/vigil")}}}"}}""")).ReadAsync();
        var rule = await admin.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Json.Body($$"""{"channels":["{{channel.GetProperty("id").GetString()}}"]}"""));
        Assert.Equal(HttpStatusCode.OK, rule.StatusCode);
    }

    private static async Task<List<JsonElement>> FiringAsync(HttpClient admin, string ruleId) =>
        [.. (await (await admin.GetAsync($"/api/v1/alerts?ruleId={ruleId}&status=firing")).ReadAsync()).EnumerateArray()];
}

public sealed class SqliteSentryIngestTests() : SentryIngestTests(StorageProvider.Sqlite);

public sealed class PostgresSentryIngestTests() : SentryIngestTests(StorageProvider.Postgres);
