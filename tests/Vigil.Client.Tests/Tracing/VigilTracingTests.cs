using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Client.Tests.Infrastructure;

namespace Vigil.Client.Tests.Tracing;

/// <summary>
/// Transactions and spans: activities of the traced sources become spans sent as OTLP/JSON to
/// <c>/v1/traces</c>, with their tree, kinds and attributes, and nothing private (headers,
/// cookies, query strings); sampling decides from the trace id; tracing is off by default.
/// </summary>
public sealed class VigilTracingTests
{
    [Fact]
    public async Task StartTransactionAndSpan_Sampled_SentAsOtlpJsonTree_WithoutPrivateAttributes()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        await using var harness = ClientHarness.Create(receiver.Endpoint, o =>
        {
            o.TracesSampleRate = 1;
            o.TraceSources = []; // the client's own source only: other tests' activities stay out
            o.ServiceName = "reports";
        });
        Assert.True(harness.StartTracing());

        string transactionId, spanId;
        using (var transaction = harness.Client.StartTransaction("nightly-report"))
        {
            Assert.NotNull(transaction);
            transactionId = transaction.SpanId.ToHexString();
            using var span = harness.Client.StartSpan("render");
            Assert.NotNull(span);
            spanId = span.SpanId.ToHexString();
            span.SetTag("url.full", "https://files.example/report.pdf?token=s3cr3t");
            span.SetTag("http.request.header.authorization", "Bearer s3cr3t");
            span.SetTag("cookie", "sid=s3cr3t");
            span.SetTag("pages", 12);
            span.SetStatus(ActivityStatusCode.Error, "render failed");
        }

        await harness.Client.FlushAsync();

        var request = Assert.Single(receiver.Requests);
        Assert.Equal((FakeVigilReceiver.TracesPath, "application/json; charset=utf-8", "Bearer test-key"), (request.Path, request.ContentType, request.Authorization));
        Assert.DoesNotContain("s3cr3t", request.Body, StringComparison.Ordinal);
        var resource = request.Json.GetProperty("resourceSpans")[0].GetProperty("resource").GetProperty("attributes")[0];
        Assert.Equal(("service.name", "reports"), (resource.GetProperty("key").GetString(), resource.GetProperty("value").GetProperty("stringValue").GetString()));

        var spans = receiver.AcceptedSpans().ToDictionary(s => s.GetProperty("spanId").GetString()!);
        var root = spans[transactionId];
        var child = spans[spanId];
        Assert.Equal(("nightly-report", 5, false), (root.GetProperty("name").GetString(), root.GetProperty("kind").GetInt32(), root.TryGetProperty("parentSpanId", out _)));
        Assert.Equal(("render", 1, transactionId), (child.GetProperty("name").GetString(), child.GetProperty("kind").GetInt32(), child.GetProperty("parentSpanId").GetString()));
        Assert.Equal(root.GetProperty("traceId").GetString(), child.GetProperty("traceId").GetString());
        Assert.Equal((2, "render failed"), (child.GetProperty("status").GetProperty("code").GetInt32(), child.GetProperty("status").GetProperty("message").GetString()));
        var attributes = child.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").GetProperty("stringValue").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["url.full"] = "https://files.example/report.pdf", ["pages"] = "12" }, attributes);
        Assert.True(ulong.Parse(child.GetProperty("startTimeUnixNano").GetString()!) >= ulong.Parse(root.GetProperty("startTimeUnixNano").GetString()!));
        Assert.True(ulong.Parse(child.GetProperty("endTimeUnixNano").GetString()!) <= ulong.Parse(root.GetProperty("endTimeUnixNano").GetString()!));
    }

    [Fact]
    public async Task HttpClientCallInTransaction_IsChildSpan_TheClientsOwnExportsAreNotTraced()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        await using var harness = ClientHarness.Create(receiver.Endpoint, o =>
        {
            o.TracesSampleRate = 1;
            o.TraceSources = ["System.Net.Http"];
        });
        Assert.True(harness.StartTracing());

        string transactionId;
        using (var transaction = harness.Client.StartTransaction("sync-stock"))
        {
            transactionId = transaction!.SpanId.ToHexString();
            using var http = new HttpClient();
            using var answer = await http.GetAsync(new Uri(receiver.Endpoint, "/stock/42?token=s3cr3t"));
        }

        await harness.Client.FlushAsync();
        await harness.Client.FlushAsync(); // had the first export been traced, its span would go now

        var traces = receiver.Requests.Where(r => r.Path == FakeVigilReceiver.TracesPath).ToList();
        Assert.Single(traces);
        var spans = receiver.AcceptedSpans().Where(s => s.GetProperty("traceId").GetString() == receiver.AcceptedSpans().Single(t => t.GetProperty("spanId").GetString() == transactionId).GetProperty("traceId").GetString()).ToList();
        Assert.Equal(2, spans.Count);
        var call = Assert.Single(spans, s => s.GetProperty("kind").GetInt32() == 3);
        Assert.Equal(transactionId, call.GetProperty("parentSpanId").GetString());
        var attributes = call.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").GetProperty("stringValue").GetString());
        Assert.Equal(("GET", "404"), (attributes["http.request.method"], attributes["http.response.status_code"]));
        Assert.Equal(new Uri(receiver.Endpoint, "/stock/42").ToString(), attributes["url.full"]);
        Assert.DoesNotContain("s3cr3t", traces[0].Body, StringComparison.Ordinal);
        Assert.DoesNotContain(receiver.AcceptedSpans(), s => s.ToString().Contains(FakeVigilReceiver.TracesPath, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TracesSampleRate_DefaultZero_NoListener_NoActivity()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        await using var harness = ClientHarness.Create(receiver.Endpoint, o => o.TraceSources = []);

        Assert.False(harness.StartTracing());
        Assert.Null(harness.Client.StartTransaction("nightly-report"));
        await harness.Client.FlushAsync();
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public void IsSampled_HalfRate_AboutHalfOfTraces_SameAnswerForTheSameTrace()
    {
        var ids = Enumerable.Range(0, 20_000).Select(_ => ActivityTraceId.CreateRandom()).ToList();

        var kept = ids.Count(id => VigilTracing.IsSampled(id, 0.5));

        Assert.InRange(kept, 9_000, 11_000);
        Assert.All(ids.Take(100), id => Assert.Equal(VigilTracing.IsSampled(id, 0.5), VigilTracing.IsSampled(id, 0.5)));
        Assert.All(ids.Take(100), id => Assert.True(VigilTracing.IsSampled(id, 1)));
        Assert.All(ids.Take(100), id => Assert.False(VigilTracing.IsSampled(id, 0)));
    }

    [Fact]
    public async Task RequestTracking_TracedRequest_IsTransactionNamedByRoute_WithoutQuery_ExceptionCaptured()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddVigilClient(o =>
        {
            o.Endpoint = receiver.Endpoint;
            o.RequestTimeout = ClientHarness.TestRequestTimeout;
            o.FlushInterval = TimeSpan.FromHours(1);
            o.TracesSampleRate = 1;
            o.TraceSources = ["Microsoft.AspNetCore"];
            o.ServiceName = "shop";
        });
        await using var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (InvalidOperationException)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        });
        app.UseVigilRequestTracking();
        app.MapGet("/traced/{id}", (string id) => Results.Ok(new { id }));
        app.MapGet("/traced-failure", IResult () => throw new InvalidOperationException("the ledger is locked"));
        await app.StartAsync();
        var http = app.GetTestClient();

        Assert.True((await http.GetAsync(new Uri("/traced/42?secret=s3cr3t", UriKind.Relative))).IsSuccessStatusCode);
        Assert.Equal(500, (int)(await http.GetAsync(new Uri("/traced-failure", UriKind.Relative))).StatusCode);

        // The request's activity stops once its answer is sent: flush until both are there.
        var client = app.Services.GetRequiredService<IVigilClient>();
        List<JsonElement> transactions = [];
        for (var attempt = 0; attempt < 100 && transactions.Count < 2; attempt++)
        {
            await client.FlushAsync();
            transactions = [.. receiver.AcceptedSpans().Where(s => s.GetProperty("name").GetString()!.Contains("/traced", StringComparison.Ordinal))];
            if (transactions.Count < 2)
            {
                await Task.Yield();
            }
        }

        var ok = Assert.Single(transactions, t => t.GetProperty("name").GetString() == "GET /traced/{id}");
        Assert.Equal(2, ok.GetProperty("kind").GetInt32());
        var tags = ok.GetProperty("attributes").EnumerateArray().ToDictionary(a => a.GetProperty("key").GetString()!, a => a.GetProperty("value").GetProperty("stringValue").GetString());
        Assert.Equal(("/traced/{id}", "GET", "200"), (tags["http.route"], tags["http.request.method"], tags["http.response.status_code"]));
        Assert.DoesNotContain("s3cr3t", ok.ToString(), StringComparison.Ordinal);
        var failed = Assert.Single(transactions, t => t.GetProperty("name").GetString() == "GET /traced-failure");
        Assert.Equal(2, failed.GetProperty("status").GetProperty("code").GetInt32());

        var error = Assert.Single(receiver.AcceptedErrorEvents());
        Assert.Equal("GET /traced-failure", error.GetProperty("transaction").GetString());
        Assert.Equal(failed.GetProperty("traceId").GetString(), error.GetProperty("contexts").GetProperty("trace").GetProperty("trace_id").GetString());
        await app.StopAsync();
    }
}
