using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Otlp;
using Vigil.Storage;

namespace Vigil.Server.Tests.Errors;

/// <summary>
/// Issue 15: an ASP.NET Core application with the real Sentry SDK (<c>Sentry.AspNetCore</c>), its
/// DSN's key a Vigil ingest key, throws in a route; the grouped issue is read back over Vigil's API
/// and the new-issue alert reaches a loopback webhook.
/// </summary>
public abstract class SentrySdkTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SentryApp_RouteThrowsTwice_OneIssueWithTwoEvents_NewIssueAlertDelivered()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var vigil = StartApp(settings: new()
        {
            ["Vigil:Delivery:AllowedHosts:0"] = "127.0.0.1",
            ["Vigil:Jobs:PollInterval"] = "00:00:01",
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
            await global::Sentry.SentrySdk.FlushAsync(Patience);
            await shop.StopAsync();
        }

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
            options.TracesSampleRate = 1.0; // a transaction envelope too: accepted, not kept
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
        await app.StartAsync();
        return app;
    }
}

// The Sentry SDK is one per process (a static hub): with the OpenTelemetry app tests, one instrumented app at a time.
[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class SqliteSentrySdkTests() : SentrySdkTests(StorageProvider.Sqlite);

[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class PostgresSentrySdkTests() : SentrySdkTests(StorageProvider.Postgres);
