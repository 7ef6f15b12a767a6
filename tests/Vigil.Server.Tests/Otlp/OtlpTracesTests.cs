using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Otlp.Proto.Collector.Trace.V1;
using Vigil.Storage;
using Vigil.Storage.Traces;
using static Vigil.Otlp.Tests.Metrics.Otlp;
using static Vigil.Otlp.Tests.Traces.OtlpTraces;
using static Vigil.Server.Tests.Otlp.OtlpHttp;
using Kind = Vigil.Otlp.Proto.Trace.V1.Span.Types.SpanKind;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// Issue 15: the OTLP/HTTP traces receiver over HTTP: spans into series, the sampled trace store
/// within its budget, <c>/api/v1/transactions</c> and <c>/api/v1/traces/{traceId}</c>.
/// </summary>
public abstract class OtlpTracesTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private static readonly Dictionary<string, string?> KeepAll = new() { ["Vigil:Traces:SamplePercent"] = "100" };

    [Fact]
    public async Task Export_Protobuf_SeriesTransactionAndSpanTreeReadBack()
    {
        await using var app = StartApp(settings: KeepAll);
        var trace = TraceId(1);
        var t0 = Nanos(app) - (500 * Millisecond);
        var export = Export("shop",
            Span(trace, SpanId(1), null, "GET /orders/{id}", Kind.Server, t0, 120, Attribute("http.request.method", "GET"), Attribute("http.route", "/orders/{id}"), Number("http.response.status_code", 200)),
            Span(trace, SpanId(2), SpanId(1), "orders", Kind.Client, t0 + Millisecond, 30, Attribute("db.system", "postgresql"), Attribute("db.statement", "SELECT * FROM orders WHERE id = 42")),
            Span(trace, SpanId(3), SpanId(2), "load lines", Kind.Internal, t0 + (2 * Millisecond), 3).Failed("no lines").WithException("System.InvalidOperationException", "no lines"),
            Span(trace, SpanId(4), SpanId(1), "GET", Kind.Client, t0 + (40 * Millisecond), 50, Attribute("http.request.method", "GET"), Attribute("server.address", "payments.example.com")));

        using var response = await PostAsync(app.Admin(), "/v1/traces", export.ToByteArray(), Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess);
        var admin = app.Admin();
        Assert.Equal(30, Value(Assert.Single(await SeriesAsync(admin, "span_duration_ms", "max", "&match[kind]=db&match[name]=SELECT%20orders&match[service]=shop"))));
        Assert.Single(await SeriesAsync(admin, "span_duration_ms", "count", "&match[kind]=http&match[name]=GET%20payments.example.com"));
        var transaction = Assert.Single(await SeriesAsync(admin, "transaction_duration_ms", "max", "&match[route]=/orders/{id}&match[method]=GET&match[status]=ok"));
        Assert.Equal(120, Value(transaction));

        var listed = Assert.Single((await (await admin.GetAsync("/api/v1/transactions?service=shop")).ReadAsync()).EnumerateArray());
        Assert.Equal((trace, "/orders/{id}", "GET", "ok", 120.0), (listed.GetProperty("traceId").GetString(), listed.GetProperty("route").GetString(),
            listed.GetProperty("method").GetString(), listed.GetProperty("status").GetString(), listed.GetProperty("durationMs").GetDouble()));

        var tree = await (await admin.GetAsync($"/api/v1/traces/{trace.ToUpperInvariant()}")).ReadAsync();
        Assert.Equal(4, tree.GetProperty("spanCount").GetInt32());
        var root = Assert.Single(tree.GetProperty("spans").EnumerateArray());
        Assert.Equal(("server", true), (root.GetProperty("kind").GetString(), root.GetProperty("transaction").GetBoolean()));
        var children = root.GetProperty("children").EnumerateArray().ToArray();
        Assert.Equal(["SELECT orders", "GET payments.example.com"], children.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("SELECT * FROM orders WHERE id = ?", children[0].GetProperty("attributes").GetProperty("db.statement").GetString());
        Assert.Equal(40, children[1].GetProperty("offsetMs").GetDouble(), 0.001);
        var failed = Assert.Single(children[0].GetProperty("children").EnumerateArray());
        Assert.Equal(("error", "no lines"), (failed.GetProperty("status").GetString(), failed.GetProperty("statusMessage").GetString()));
        var exception = Assert.Single(failed.GetProperty("events").EnumerateArray());
        Assert.Equal("System.InvalidOperationException", exception.GetProperty("attributes").GetProperty("exception.type").GetString());
    }

    [Fact]
    public async Task Export_JsonWithHexIdsGzipped_RecordedAndAnsweredInJson()
    {
        await using var app = StartApp(settings: KeepAll);
        var nanos = Nanos(app);
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
              "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"consume orders","kind":5,
                "startTimeUnixNano":"{{{nanos - 9_000_000}}}","endTimeUnixNano":"{{{nanos}}}"}]}]}]}
            """;

        using var response = await PostAsync(app.Admin(), "/otlp/v1/traces", Gzip(Encoding.UTF8.GetBytes(json)), "application/json", "gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{ }", await response.Content.ReadAsStringAsync());
        var listed = Assert.Single((await (await app.Admin().GetAsync("/api/v1/transactions?route=consume%20orders")).ReadAsync()).EnumerateArray());
        Assert.Equal(("5b8efff798038103d269b633813fc60c", "api", 9.0), (listed.GetProperty("traceId").GetString(), listed.GetProperty("service").GetString(), listed.GetProperty("durationMs").GetDouble()));
        Assert.Single(await SeriesAsync(app.Admin(), "span_duration_ms", "count", "&match[kind]=consumer"));
    }

    [Fact]
    public async Task Export_SomeSpansInvalid_PartialSuccessAndTheRestKept()
    {
        await using var app = StartApp(settings: KeepAll);
        var t0 = Nanos(app) - (100 * Millisecond);
        var noId = Span(TraceId(2), SpanId(1), null, "no id", Kind.Server, t0, 5);
        noId.SpanId = ByteString.Empty;
        var backwards = Span(TraceId(2), SpanId(2), null, "backwards", Kind.Server, t0, 5);
        backwards.EndTimeUnixNano = t0 - 1;
        var endless = Span(TraceId(2), SpanId(3), null, "endless", Kind.Server, t0 - (3UL * 86_400 * Second), 5);
        endless.EndTimeUnixNano = t0;
        var good = Span(TraceId(2), SpanId(4), null, "good", Kind.Server, t0, 5);

        using var response = await PostAsync(app.Admin(), "/v1/traces", Export("shop", noId, backwards, endless, good).ToByteArray(), Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("span 'backwards': end_time_unix_nano is before start_time_unix_nano", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("span 'endless': the span lasts longer than", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        var tree = await (await app.Admin().GetAsync($"/api/v1/traces/{TraceId(2)}")).ReadAsync();
        Assert.Equal("good", Assert.Single(tree.GetProperty("spans").EnumerateArray()).GetProperty("name").GetString());
        Assert.Single(await SeriesAsync(app.Admin(), "span_duration_ms", "count"));
    }

    [Fact]
    public async Task Export_NoneSampled_SeriesForEverySpanButOnlyTheErrorTraceKept()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Traces:SamplePercent"] = "0" });
        var t0 = Nanos(app) - (100 * Millisecond);
        var export = Export("shop",
            Span(TraceId(3), SpanId(1), null, "fine", Kind.Server, t0, 5),
            Span(TraceId(4), SpanId(1), null, "broken", Kind.Server, t0, 7, Number("http.response.status_code", 500)));

        (await PostAsync(app.Admin(), "/v1/traces", export.ToByteArray(), Protobuf)).EnsureSuccessStatusCode();

        Assert.Equal([1.0, 1.0], (await SeriesAsync(app.Admin(), "span_duration_ms", "count", "&match[kind]=server")).Select(Value));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync($"/api/v1/traces/{TraceId(3)}")).StatusCode);
        var kept = Assert.Single((await (await app.Admin().GetAsync("/api/v1/transactions")).ReadAsync()).EnumerateArray());
        Assert.Equal(("broken", "error"), (kept.GetProperty("route").GetString(), kept.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Transactions_Filters_NewestFirst()
    {
        await using var app = StartApp(settings: KeepAll);
        var now = app.Time.GetUtcNow();
        var t0 = Nanos(app) - (10_000 * Millisecond);
        var spans = Enumerable.Range(0, 6).Select(i =>
            Span(TraceId(10 + i), SpanId(1), null, i % 2 == 0 ? "GET /a" : "GET /b", Kind.Server, t0 + ((ulong)i * 1_000 * Millisecond), 10 * (i + 1),
                Attribute("http.route", i % 2 == 0 ? "/a" : "/b"), Number("http.response.status_code", i == 4 ? 500 : 200))).ToArray();
        (await PostAsync(app.Admin(), "/v1/traces", Export("shop", spans).ToByteArray(), Protobuf)).EnsureSuccessStatusCode();
        async Task<string[]> Routes(string query) =>
            [.. (await (await app.Admin().GetAsync("/api/v1/transactions?" + query)).ReadAsync()).EnumerateArray().Select(t => $"{t.GetProperty("route").GetString()}:{t.GetProperty("durationMs").GetDouble()}")];

        Assert.Equal(["/b:60", "/a:50", "/b:40", "/a:30", "/b:20"], await Routes("limit=5"));
        Assert.Equal(["/a:50", "/a:30", "/a:10"], await Routes("route=/a"));
        Assert.Equal(["/b:60", "/a:50", "/b:40"], await Routes("minDurationMs=35"));
        Assert.Equal(["/a:50"], await Routes("status=error"));
        Assert.Equal(5, (await Routes("status=ok")).Length);
        Assert.Empty(await Routes("service=other"));
        Assert.Equal(["/b:20", "/a:10"], await Routes($"from={Uri.EscapeDataString(now.AddSeconds(-10).ToString("O"))}&to={Uri.EscapeDataString(now.AddSeconds(-8).ToString("O"))}"));
    }

    [Fact]
    public async Task Trace_LongChainAndACycleOfParents_EverySpanInTheTreeNoDeeperThanTheLimit()
    {
        await using var app = StartApp(settings: KeepAll);
        var trace = TraceId(7);
        var t0 = Nanos(app) - (1_000 * Millisecond);
        var chain = Enumerable.Range(1, 300).Select(i => Span(trace, SpanId(i), i == 1 ? null : SpanId(i - 1), $"step {i}", Kind.Internal, t0 + (ulong)i, 1));
        var cycle = new[] { Span(trace, SpanId(1001), SpanId(1002), "a", Kind.Internal, t0, 1), Span(trace, SpanId(1002), SpanId(1001), "b", Kind.Internal, t0, 1) };
        (await PostAsync(app.Admin(), "/v1/traces", Export("deep", [.. chain, .. cycle]).ToByteArray(), Protobuf)).EnsureSuccessStatusCode();

        using var response = await app.Admin().GetAsync($"/api/v1/traces/{trace}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tree = await response.ReadAsync();
        Assert.Equal(302, tree.GetProperty("spanCount").GetInt32());
        var depths = new List<int>();
        void Walk(JsonElement spans, int depth)
        {
            foreach (var span in spans.EnumerateArray())
            {
                depths.Add(depth);
                Walk(span.GetProperty("children"), depth + 1);
            }
        }

        Walk(tree.GetProperty("spans"), 1);
        Assert.Equal(302, depths.Count);
        Assert.InRange(depths.Max(), 16, 16);
    }

    [Theory]
    [InlineData("status=maybe", "status")]
    [InlineData("minDurationMs=-1", "minDurationMs")]
    [InlineData("minDurationMs=NaN", "minDurationMs")]
    [InlineData("limit=0", "limit")]
    [InlineData("from=yesterday", "from")]
    public async Task Transactions_BadFilter_ProblemNamingTheField(string query, string field)
    {
        var app = await SharedAppAsync();

        using var response = await app.Admin().GetAsync("/api/v1/transactions?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("not-a-trace-id", 400)]
    [InlineData("5b8efff798038103d269b633813fc60", 400)]
    [InlineData("5b8efff798038103d269b633813fc60c", 404)]
    public async Task Trace_MalformedOrUnknownId_Problem(string traceId, int status)
    {
        var app = await SharedAppAsync();

        using var response = await app.Admin().GetAsync($"/api/v1/traces/{traceId}");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string, string?, int> Refused => new()
    {
        // what, content type, content encoding, status
        { "malformed protobuf", Protobuf, null, 400 },
        { "truncated gzip", Protobuf, "gzip", 400 },
        { "malformed json", "application/json", null, 400 },
        { "wrong content type", "text/plain", null, 415 },
        { "too large", Protobuf, null, 413 },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Export_Refused_ProblemAndNothingStored(string what, string contentType, string? contentEncoding, int status)
    {
        await using var app = StartApp(settings: new() { ["Vigil:Http:MaxRequestBodyBytes"] = "65536", ["Vigil:Traces:SamplePercent"] = "100" });
        var valid = Export("shop", Span(TraceId(5), SpanId(1), null, "refused", Kind.Server, Nanos(app) - Millisecond, 1)).ToByteArray();
        var body = what switch
        {
            "malformed protobuf" => [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
            "truncated gzip" => Gzip(valid)[..^10],
            "malformed json" => Encoding.UTF8.GetBytes("""{"resourceSpans":[{"scopeSpans":"""),
            "too large" => [.. valid, .. new byte[70_000]],
            _ => valid,
        };

        using var response = await PostAsync(app.Admin(), "/v1/traces", body, contentType, contentEncoding);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty((await response.ReadAsync()).GetProperty("detail").GetString()));
        Assert.Empty(await SeriesAsync(app.Admin(), "span_duration_ms", "count"));
        Assert.Equal(0, (await (await app.Admin().GetAsync("/api/v1/transactions")).ReadAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Export_ViewerKey_ForbiddenAndNothingStored()
    {
        await using var app = StartApp(settings: KeepAll);
        var viewer = await app.ClientWithRoleAsync("viewer");

        using var response = await PostAsync(viewer, "/v1/traces", Export("shop", Span(TraceId(6), SpanId(1), null, "x", Kind.Server, Nanos(app), 1)).ToByteArray(), Protobuf);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await SeriesAsync(app.Admin(), "span_duration_ms", "count"));
    }

    [Fact]
    public async Task Export_SpanStormWithHugeAttributes_StoreStaysWithinItsBudgetNewestKept()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Traces:SamplePercent"] = "100", ["Vigil:Traces:BudgetMb"] = "1" });
        var huge = new string('x', 20_000); // clipped to Vigil:Traces:MaxAttributeLength (4 096)
        var t0 = Nanos(app) - (60_000 * Millisecond);
        var client = app.Admin();
        for (var export = 0; export < 15; export++)
        {
            var spans = Enumerable.Range(0, 100).Select(i =>
                Span(TraceId((export * 100) + i), SpanId(1), null, "storm", Kind.Server, t0 + ((ulong)export * Millisecond), 1, Attribute("payload", huge))).ToArray();
            using var response = await PostAsync(client, "/v1/traces", Export("storm", spans).ToByteArray(), Protobuf);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        var stored = await app.Services.GetRequiredService<TraceRepository>().TotalBytesAsync();
        Assert.InRange(stored, 1, 1024 * 1024);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/traces/{TraceId(1499)}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/traces/{TraceId(0)}")).StatusCode);
        Assert.Equal(1500, Value(Assert.Single(await SeriesAsync(client, "span_duration_ms", "count"))));
        var kept = await (await client.GetAsync($"/api/v1/traces/{TraceId(1499)}")).ReadAsync();
        Assert.Equal(4_096, kept.GetProperty("spans")[0].GetProperty("attributes").GetProperty("payload").GetString()!.Length);
    }

    [Fact]
    public async Task Export_StormSpreadOverTwoNodes_BudgetHoldsForTheirSum()
    {
        // Two processes on one database, exports alternating: each counts what it adds and sums the
        // table again after a tenth of the budget, so together they stay within budget + a tenth each.
        var settings = new Dictionary<string, string?> { ["Vigil:Traces:SamplePercent"] = "100", ["Vigil:Traces:BudgetMb"] = "1" };
        await using var first = StartApp(settings: settings);
        await using var second = StartApp(settings: settings);
        var huge = new string('x', 4_096);
        var t0 = Nanos(first) - (60_000 * Millisecond);
        var clients = new[] { first.Admin(), second.Admin() };
        var repository = first.Services.GetRequiredService<TraceRepository>();
        long most = 0;
        for (var export = 0; export < 60; export++)
        {
            var spans = Enumerable.Range(0, 10).Select(i =>
                Span(TraceId((export * 10) + i), SpanId(1), null, "storm", Kind.Server, t0 + ((ulong)export * Millisecond), 1, Attribute("payload", huge))).ToArray();
            using var response = await PostAsync(clients[export % 2], "/v1/traces", Export("storm", spans).ToByteArray(), Protobuf);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            most = Math.Max(most, await repository.TotalBytesAsync());
        }

        Assert.InRange(most, 1024 * 1024, 1.3 * 1024 * 1024); // 2.5 MB written; each node counting only its own let the two keep about 2 MB
        Assert.Equal(HttpStatusCode.OK, (await clients[0].GetAsync($"/api/v1/traces/{TraceId(599)}")).StatusCode);
    }
}

public sealed class SqliteOtlpTracesTests(SharedServer shared) : OtlpTracesTests(StorageProvider.Sqlite, shared);

public sealed class PostgresOtlpTracesTests(SharedServer shared) : OtlpTracesTests(StorageProvider.Postgres, shared);
