using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Otlp;
using Vigil.Storage;
using static Vigil.Server.Tests.Otlp.OtlpHttp;

namespace Vigil.Server.Tests.Errors;

/// <summary>
/// Issue 15: an ASP.NET Core application with the real Sentry SDK (<c>Sentry.AspNetCore</c>), its
/// DSN's key a Vigil ingest key, throws in a route; the grouped issue is read back over Vigil's API
/// and the new-issue alert reaches a loopback webhook; its transactions (and a span it makes) are
/// read back as transactions, traces and series.
/// </summary>
public abstract class SentrySdkTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SentryApp_RouteThrowsTwice_OneIssueWithTwoEvents_NewIssueAlertDelivered_TransactionsAndSpansKept()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var vigil = StartApp(new FakeTimeProvider(DateTimeOffset.UtcNow), new()
        {
            ["Vigil:Delivery:AllowedHosts:0"] = "127.0.0.1",
            ["Vigil:Jobs:PollInterval"] = "00:00:01",
            ["Vigil:Traces:SamplePercent"] = "100",
        });
        var admin = vigil.Admin();
        var channel = await (await admin.PostJsonAsync("/api/v1/channels", $$$"""{"name":"errors","type":"webhook","config":{"url":"{{{webhook.Url("/vigil")}}}"}}""")).ReadAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsync("/api/v1/alerts/rules/error_new_issue", Json.Body($$"""{"channels":["{{channel.GetProperty("id").GetString()}}"]}"""))).StatusCode);
        var key = (await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"shop sdk","role":"ingest"}""")).ReadAsync()).GetProperty("key").GetString()!;

        await using (var shop = await StartShopAsync(vigil, $"http://{key}@vigil.example.com/42"))
        {
            using var caller = new HttpClient { BaseAddress = new Uri(shop.Urls.First()) };
            Assert.Equal(HttpStatusCode.InternalServerError, (await caller.GetAsync("/orders/42")).StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, (await caller.GetAsync("/orders/7")).StatusCode);
            Assert.Equal("7", await caller.GetStringAsync("/stock/42"));
            await global::Sentry.SentrySdk.FlushAsync(Patience);
            await shop.StopAsync();
        }

        // Transactions (TracesSampleRate 1.0): each request is one, its custom span a child; every span is in the series.
        CatchUp(vigil);
        var stock = Assert.Single((await (await admin.GetAsync("/api/v1/transactions?service=project-42&route=" + Uri.EscapeDataString("/stock/{id}"))).ReadAsync()).EnumerateArray());
        Assert.Equal(("GET", "ok"), (stock.GetProperty("method").GetString(), stock.GetProperty("status").GetString()));
        var failed = (await (await admin.GetAsync("/api/v1/transactions?service=project-42&route=" + Uri.EscapeDataString("/orders/{id}"))).ReadAsync()).EnumerateArray().ToList();
        Assert.Equal(["error", "error"], failed.Select(t => t.GetProperty("status").GetString()));
        var trace = await (await admin.GetAsync($"/api/v1/traces/{stock.GetProperty("traceId").GetString()}")).ReadAsync();
        var root = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.Equal(("GET /stock/{id}", "server"), (root.GetProperty("name").GetString(), root.GetProperty("kind").GetString()));
        var query = Assert.Single(root.GetProperty("children").EnumerateArray());
        Assert.Equal(("db", "SELECT stock"), (query.GetProperty("kind").GetString(), query.GetProperty("name").GetString()));
        Assert.Single(await SeriesAsync(admin, "span_duration_ms", "count", "&match[service]=project-42&match[kind]=db&match[name]=SELECT%20stock"));
        Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "count", "&match[service]=project-42&match[route]=/stock/{id}&match[status]=ok"));

        var issue = Assert.Single((await (await admin.GetAsync("/api/v1/issues?service=project-42")).ReadAsync()).GetProperty("issues").EnumerateArray());
        Assert.Equal("System.InvalidOperationException: Order 42 is out of stock", issue.GetProperty("title").GetString());
        Assert.Equal((2L, "shop@1.2.3"), (issue.GetProperty("count").GetInt64(), issue.GetProperty("lastRelease").GetString()));
        var latest = issue.GetProperty("latestEvent");
        Assert.Equal(("sentry", "GET /orders/{id}"), (latest.GetProperty("source").GetString(), latest.GetProperty("transaction").GetString()));
        Assert.Contains(latest.GetProperty("frames").EnumerateArray(), f => f.GetProperty("inApp").GetBoolean());

        var fired = (await webhook.WaitUntilAsync(r => r.Count >= 1, Patience))[0].Json;
        Assert.Equal(("New Error Issue", "firing", issue.GetProperty("id").GetString()),
            (fired.GetProperty("alertName").GetString(), fired.GetProperty("status").GetString(), fired.GetProperty("labels").GetProperty("issue_id").GetString()));
    }

    private static async Task<WebApplication> StartShopAsync(VigilApp vigil, string dsn)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.WebHost.UseSentry(options =>
        {
            options.Dsn = dsn;
            options.Release = "shop@1.2.3";
            options.Environment = "test";
            options.TracesSampleRate = 1.0; // every request a transaction
            options.AutoSessionTracking = false;
            options.SendDefaultPii = false;
            // Vigil runs in this process on the test host: the SDK's requests go to it directly.
            options.CreateHttpMessageHandler = () => new SynchronousSend { InnerHandler = vigil.Server.CreateHandler() };
            options.DisableAppDomainUnhandledExceptionCapture();
            options.DisableUnobservedTaskExceptionCapture();
            options.DisableDiagnosticSourceIntegration();
        });
        var app = builder.Build();
        app.MapGet("/orders/{id}", string (int id) => throw new InvalidOperationException($"Order {id} is out of stock"));
        app.MapGet("/stock/{id}", (int id) =>
        {
            // A span the application makes itself, as a database call would be.
            var query = global::Sentry.SentrySdk.GetSpan()?.StartChild("db.query", $"SELECT qty FROM stock WHERE id = {id}");
            query?.Finish(global::Sentry.SpanStatus.Ok);
            return "7";
        });
        await app.StartAsync();
        return app;
    }
}

// The Sentry SDK is one per process (a static hub): with the OpenTelemetry app tests, one instrumented app at a time.
[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class SqliteSentrySdkTests() : SentrySdkTests(StorageProvider.Sqlite);

[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class PostgresSentrySdkTests() : SentrySdkTests(StorageProvider.Postgres);
