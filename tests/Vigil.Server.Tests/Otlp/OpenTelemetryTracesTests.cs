using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Vigil.Storage;
using static Vigil.Server.Tests.Otlp.OtlpHttp;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// Issue 15: an ASP.NET Core application instrumented with the OpenTelemetry .NET SDK (ASP.NET
/// Core and HttpClient instrumentation, the OTLP exporter over HTTP/protobuf) serves a request
/// that makes an outgoing HTTP call and exports its traces to Vigil; its route, its outgoing call
/// and the whole trace are read back over Vigil's API.
/// </summary>
public abstract class OpenTelemetryTracesTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string OrdersRoute = "/orders/{id}";
    private const string StockRoute = "/stock/{id}";

    [Fact]
    public async Task InstrumentedApp_RequestWithOutgoingCall_SeriesTransactionAndTraceTreeReadBack()
    {
        await using var vigil = StartApp(new FakeTimeProvider(DateTimeOffset.UtcNow), new() { ["Vigil:Traces:SamplePercent"] = "100" });
        var ended = new EndedSignal(OrdersRoute, StockRoute);
        await using var shop = await StartShopAsync(vigil, ended);
        using var caller = new HttpClient { BaseAddress = shop.Address };

        using var answer = await caller.GetAsync("/orders/42");
        Assert.Equal("order 42: 7 in stock", await answer.Content.ReadAsStringAsync());

        // A request's server span ends after its answer is sent, and the stock call's answer can
        // reach the order before the stock span has ended: wait for both, then export.
        await ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(shop.Tracing.ForceFlush(30_000));
        CatchUp(vigil);

        var admin = vigil.Admin();
        var transaction = Assert.Single((await (await admin.GetAsync($"/api/v1/transactions?service=shop&route={Uri.EscapeDataString(OrdersRoute)}")).ReadAsync()).EnumerateArray());
        Assert.Equal(("GET", "ok"), (transaction.GetProperty("method").GetString(), transaction.GetProperty("status").GetString()));
        var traceId = transaction.GetProperty("traceId").GetString()!;
        Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "count", $"&match[service]=shop&match[route]={Uri.EscapeDataString(OrdersRoute)}&match[method]=GET&match[status]=ok"));
        Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "count", "&match[route]=/stock/{id}"));
        var outgoing = Assert.Single(await SeriesAsync(admin, "span_duration_ms", "count", "&match[kind]=http&match[service]=shop"));
        Assert.Equal("GET 127.0.0.1", outgoing.GetProperty("labels").GetProperty("name").GetString());

        // The tree: the request, its outgoing call, and the request that call made (the same trace, propagated).
        var trace = await (await admin.GetAsync($"/api/v1/traces/{traceId}")).ReadAsync();
        var root = Assert.Single(trace.GetProperty("spans").EnumerateArray());
        Assert.Equal(("GET /orders/{id}", "server", true), (root.GetProperty("name").GetString(), root.GetProperty("kind").GetString(), root.GetProperty("transaction").GetBoolean()));
        var call = Assert.Single(root.GetProperty("children").EnumerateArray());
        Assert.Equal("http", call.GetProperty("kind").GetString());
        Assert.True(call.GetProperty("durationMs").GetDouble() <= root.GetProperty("durationMs").GetDouble());
        var stock = Assert.Single(call.GetProperty("children").EnumerateArray());
        Assert.Equal(("GET /stock/{id}", "/stock/{id}"), (stock.GetProperty("name").GetString(), stock.GetProperty("attributes").GetProperty("http.route").GetString()));
        Assert.Equal(3, trace.GetProperty("spanCount").GetInt32());
    }

    /// <summary>The instrumented shop: <c>/orders/{id}</c> asks its own <c>/stock/{id}</c> over HTTP; traces go to Vigil.</summary>
    private static async Task<Shop> StartShopAsync(VigilApp vigil, EndedSignal ended)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("shop"))
            .WithTracing(tracing => tracing
                // Vigil's own requests run in this process too: only the shop's are traced.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path.StartsWithSegments("/orders") || context.Request.Path.StartsWithSegments("/stock"))
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = request => request.RequestUri?.AbsolutePath.StartsWith("/stock", StringComparison.Ordinal) == true)
                .AddOtlpExporter(exporter =>
                {
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.Endpoint = new Uri(vigil.Server.BaseAddress, "/v1/traces");
                    exporter.Headers = $"x-api-key={VigilApp.AdminKey}";
                    exporter.HttpClientFactory = () => vigil.CreateDefaultClient(new SynchronousSend());
                })
                // After the exporter: a span has been queued for export by the time it is signalled.
                .AddProcessor(ended));
        var app = builder.Build();
        app.MapGet(StockRoute, (int id) => id == 42 ? "7" : "0");
        app.MapGet(OrdersRoute, async (int id, HttpContext context, IHttpClientFactory clients) =>
        {
            var self = new Uri(context.Request.Scheme + "://" + context.Request.Host);
            var stock = await clients.CreateClient().GetStringAsync(new Uri(self, $"/stock/{id}"));
            return $"order {id}: {stock} in stock";
        });
        await app.StartAsync();
        return new Shop(app);
    }

    private sealed class Shop(WebApplication app) : IAsyncDisposable
    {
        public Uri Address { get; } = new(app.Urls.First());

        public TracerProvider Tracing { get; } = app.Services.GetRequiredService<TracerProvider>();

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Completes when the server spans of all <paramref name="routes"/> have ended.</summary>
    private sealed class EndedSignal(params string[] routes) : BaseProcessor<Activity>
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HashSet<string> _waiting = [.. routes];

        public Task Task => _ended.Task;

        public override void OnEnd(Activity data)
        {
            if (data.Kind != ActivityKind.Server || data.GetTagItem("http.route")?.ToString() is not { } route)
            {
                return;
            }

            lock (_waiting)
            {
                if (_waiting.Remove(route) && _waiting.Count == 0)
                {
                    _ended.TrySetResult();
                }
            }
        }
    }
}

// One instrumented app at a time: the ASP.NET Core and HttpClient instrumentations listen to the whole
// process, and two instrumented apps running at once disturbed each other (a server span's end went unseen).
[Collection(Name)]
public sealed class SqliteOpenTelemetryTracesTests() : OpenTelemetryTracesTests(StorageProvider.Sqlite)
{
    public const string Name = "OpenTelemetry SDK traces";
}

[Collection(SqliteOpenTelemetryTracesTests.Name)]
public sealed class PostgresOpenTelemetryTracesTests() : OpenTelemetryTracesTests(StorageProvider.Postgres);
