using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Client;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Otlp;
using Vigil.Storage;
using static Vigil.Server.Tests.Otlp.OtlpHttp;

namespace Vigil.Server.Tests.ClientSdk;

/// <summary>
/// Issue 15: an ASP.NET Core application using the Vigil SDK (<c>Vigil.Client</c>) against the real
/// Vigil server: a request is a transaction with its outgoing HttpClient call as a child span
/// (sent as OTLP/JSON to <c>/v1/traces</c>), and <c>CaptureException</c> twice from one place is
/// one issue counted twice (sent as Sentry envelope events).
/// </summary>
public abstract class VigilSdkTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string OrdersRoute = "/orders/{id}";

    [Fact]
    public async Task SdkApp_RequestWithOutgoingCall_TransactionWithHttpChild_CapturedTwice_OneIssueCountedTwice()
    {
        await using var vigil = StartApp(new FakeTimeProvider(DateTimeOffset.UtcNow), new() { ["Vigil:Traces:SamplePercent"] = "100" });
        var admin = vigil.Admin();
        var key = (await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"shop sdk","role":"ingest"}""")).ReadAsync()).GetProperty("key").GetString()!;
        await using var stock = await WebhookReceiver.StartAsync(); // the stock service the shop calls over HTTP
        await using var shop = await StartShopAsync(vigil, key, stock);
        var caller = shop.GetTestClient();

        Assert.Equal("order 42 placed", await caller.GetStringAsync(new Uri("/orders/42?coupon=s3cr3t", UriKind.Relative)));
        Assert.Equal(HttpStatusCode.Conflict, (await caller.PostAsync(new Uri("/checkout/1", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await caller.PostAsync(new Uri("/checkout/2", UriKind.Relative), null)).StatusCode);

        // The request's activity ends once its answer is sent: flush until Vigil has the transaction.
        var client = shop.Services.GetRequiredService<IVigilClient>();
        var transactions = await Eventually.ReachAsync(async () =>
        {
            await client.FlushAsync();
            CatchUp(vigil);
            return (await (await admin.GetAsync($"/api/v1/transactions?service=shop-sdk&route={Uri.EscapeDataString(OrdersRoute)}")).ReadAsync()).EnumerateArray().ToArray();
        }, found => found.Length == 1, TimeSpan.FromSeconds(30));
        var transaction = transactions[0];
        Assert.Equal(("GET", "ok", "GET /orders/{id}"), (transaction.GetProperty("method").GetString(), transaction.GetProperty("status").GetString(), transaction.GetProperty("name").GetString()));

        var trace = await (await admin.GetAsync($"/api/v1/traces/{transaction.GetProperty("traceId").GetString()}")).ReadAsync();
        var root = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.Equal(("server", true, "shop-sdk"), (root.GetProperty("kind").GetString(), root.GetProperty("transaction").GetBoolean(), root.GetProperty("service").GetString()));
        var call = Assert.Single(root.GetProperty("children").EnumerateArray());
        Assert.Equal(("http", "POST 127.0.0.1"), (call.GetProperty("kind").GetString(), call.GetProperty("name").GetString()));
        Assert.True(call.GetProperty("durationMs").GetDouble() <= root.GetProperty("durationMs").GetDouble());
        Assert.DoesNotContain("s3cr3t", trace.ToString(), StringComparison.Ordinal);
        Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "count", $"&match[service]=shop-sdk&match[route]={Uri.EscapeDataString(OrdersRoute)}&match[status]=ok"));
        Assert.NotEmpty(await SeriesAsync(admin, "span_duration_ms", "count", "&match[service]=shop-sdk&match[kind]=http&match[name]=POST%20127.0.0.1"));

        // The two captures: one issue, counted twice, with the route, the release and an in-app frame with its line.
        var issues = await Eventually.ReachAsync(async () =>
        {
            await client.FlushAsync();
            return (await (await admin.GetAsync("/api/v1/issues?service=shop-sdk")).ReadAsync()).GetProperty("issues").EnumerateArray().ToArray();
        }, found => found.Length == 1 && found[0].GetProperty("count").GetInt64() == 2, TimeSpan.FromSeconds(30));
        var issue = issues[0];
        Assert.Equal(("System.InvalidOperationException: Cart 1 is empty", "shop@3.0.0"), (issue.GetProperty("title").GetString(), issue.GetProperty("lastRelease").GetString()));
        var detail = await (await admin.GetAsync($"/api/v1/issues/{issue.GetProperty("id").GetString()}")).ReadAsync();
        var latest = detail.GetProperty("latestEvent");
        Assert.Equal("POST /checkout/{id}", latest.GetProperty("transaction").GetString());
        Assert.Contains(latest.GetProperty("frames").EnumerateArray(), f => f.GetProperty("inApp").GetBoolean() && f.TryGetProperty("lineNo", out var line) && line.ValueKind == JsonValueKind.Number);
        Assert.Equal(1, issue.GetProperty("usersAffected").GetInt64());
    }

    /// <summary>The shop: <c>/orders/{id}</c> posts to the stock service over HTTP; <c>/checkout/{id}</c> fails and captures the exception.</summary>
    private static async Task<WebApplication> StartShopAsync(VigilApp vigil, string key, WebhookReceiver stock)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient();
        builder.Services.AddVigilClient(o =>
            {
                o.Endpoint = vigil.Server.BaseAddress;
                o.ApiKey = key;
                o.ServiceName = "shop-sdk";
                o.Release = "shop@3.0.0";
                o.TracesSampleRate = 1;
                o.TraceSources = ["Microsoft.AspNetCore", "System.Net.Http"];
            })
            .HttpClient.ConfigurePrimaryHttpMessageHandler(() => new SynchronousSend { InnerHandler = vigil.Server.CreateHandler() });
        var app = builder.Build();
        app.UseVigilRequestTracking();
        app.MapGet(OrdersRoute, async (int id, IHttpClientFactory clients) =>
        {
            using var reserved = await clients.CreateClient().PostAsync(stock.Url($"/reserve/{id}?token=s3cr3t"), new StringContent("{}"));
            return $"order {id} placed";
        });
        app.MapPost("/checkout/{id}", (int id, IVigilClient vigilClient) =>
        {
            try
            {
                Checkout(id);
                return Results.Ok();
            }
            catch (InvalidOperationException ex)
            {
                vigilClient.CaptureException(ex, userId: "customer-9");
                return Results.Conflict();
            }
        });
        await app.StartAsync();
        return app;
    }

    private static void Checkout(int cart) => throw new InvalidOperationException($"Cart {cart} is empty");
}

// The trace listener hears the whole process: with the OpenTelemetry and Sentry app tests, one instrumented app at a time.
[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class SqliteVigilSdkTests() : VigilSdkTests(StorageProvider.Sqlite);

[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class PostgresVigilSdkTests() : VigilSdkTests(StorageProvider.Postgres);
