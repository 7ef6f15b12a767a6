using System.Text;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Proto.Trace.V1;
using Vigil.Otlp.Traces;
using static Vigil.Otlp.Tests.Metrics.Otlp;
using static Vigil.Otlp.Tests.Traces.OtlpTraces;
using Kind = Vigil.Otlp.Proto.Trace.V1.Span.Types.SpanKind;

namespace Vigil.Otlp.Tests.Traces;

public class OtlpTraceReceiverTests
{
    private const ulong T0 = 1_795_000_000 * Second;
    private readonly OtlpTraceReceiver _receiver = new(Options.Create(new TraceOptions()));

    [Fact]
    public void Map_ServerSpanWithDatabaseAndHttpChildren_SeriesPerSpanAndOneTransaction()
    {
        var trace = TraceId(1);
        var export = Export("shop",
            Span(trace, SpanId(1), null, "GET /orders/{id}", Kind.Server, T0, 120, Attribute("http.request.method", "GET"), Attribute("http.route", "/orders/{id}"), Number("http.response.status_code", 200)),
            Span(trace, SpanId(2), SpanId(1), "orders", Kind.Client, T0 + Millisecond, 30, Attribute("db.system", "postgresql"), Attribute("db.statement", "SELECT * FROM orders WHERE id = 42 AND owner = 'ann'")),
            Span(trace, SpanId(3), SpanId(1), "GET", Kind.Client, T0 + 40 * Millisecond, 50, Attribute("http.request.method", "GET"), Attribute("url.full", "https://payments.example.com/charges/991?card=4111")),
            Span(trace, SpanId(4), SpanId(1), "GET", Kind.Client, T0 + 95 * Millisecond, 2, Attribute("db.system.name", "redis"), Attribute("db.operation.name", "GET")));

        var batch = _receiver.Map(Parse(export), 1_000);

        Assert.Equal(0, batch.Rejected);
        var spans = batch.Points.Where(p => p.Name == OtlpTraceReceiver.SpanMetric).Select(p => (p.Labels["kind"], p.Labels["name"], p.Value)).ToList();
        Assert.Equal([("server", "GET /orders/{id}", 120.0), ("db", "SELECT orders", 30.0), ("http", "GET payments.example.com", 50.0), ("cache", "GET", 2.0)], spans);
        var transaction = Assert.Single(batch.Points, p => p.Name == OtlpTraceReceiver.TransactionMetric);
        Assert.Equal(new Dictionary<string, string?> { ["service"] = "shop", ["route"] = "/orders/{id}", ["method"] = "GET", ["status"] = "ok" }, transaction.Labels);
        Assert.Equal((MetricType.Timing, 120.0, (long)(T0 / Millisecond) + 120), (transaction.Type, transaction.Value, transaction.TimestampMs));
        var db = batch.AcceptedSpans.Single(s => s.Kind == "db");
        Assert.Equal("SELECT * FROM orders WHERE id = ? AND owner = ?", db.Attributes["db.statement"]);
        Assert.Equal((trace, SpanId(2), SpanId(1)), (db.TraceId, db.SpanId, db.ParentSpanId));
        Assert.False(db.IsTransaction);
    }

    [Fact]
    public void Map_ServerAnswered500_TransactionIsAnError()
    {
        var export = Export("shop", Span(TraceId(2), SpanId(1), SpanId(9), "POST /pay", Kind.Server, T0, 10, Attribute("http.route", "/pay"), Number("http.response.status_code", 503)));

        var span = Assert.Single(_receiver.Map(Parse(export), 1_000).AcceptedSpans);

        Assert.True(span.IsError);
        Assert.Equal("/pay", span.Route);
    }

    [Fact]
    public void Map_InternalRootSpan_IsATransactionNamedByItsName()
    {
        var export = Export("jobs", Span(TraceId(3), SpanId(1), null, "nightly-export", Kind.Internal, T0, 5_000).Failed("disk full").WithException("System.IO.IOException", "disk full"));

        var batch = _receiver.Map(Parse(export), 1_000);

        var span = Assert.Single(batch.AcceptedSpans);
        Assert.Equal(("nightly-export", true, "disk full"), (span.Route, span.IsError, span.StatusMessage));
        var exception = Assert.Single(span.Events);
        Assert.Equal(("exception", "System.IO.IOException"), (exception.Name, exception.Attributes["exception.type"]));
        Assert.Equal("error", batch.Points.Single(p => p.Name == OtlpTraceReceiver.TransactionMetric).Labels["status"]);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "no trace id", "trace_id must be 16 bytes" },
        { "zero span id", "span_id must be 8 bytes" },
        { "short parent", "parent_span_id must be empty or 8 bytes" },
        { "no start", "start_time_unix_nano and end_time_unix_nano are required" },
        { "ends before it starts", "end_time_unix_nano is before start_time_unix_nano" },
        { "two days long", "the span lasts longer than 1.00:00:00 (Vigil:Traces:MaxSpanDuration)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Map_InvalidSpan_RefusedWithAReasonAndTheOthersKept(string what, string reason)
    {
        var bad = Span(TraceId(4), SpanId(1), null, "bad", Kind.Server, T0, 10);
        switch (what)
        {
            case "no trace id": bad.TraceId = Google.Protobuf.ByteString.Empty; break;
            case "zero span id": bad.SpanId = Google.Protobuf.ByteString.CopyFrom(new byte[8]); break;
            case "short parent": bad.ParentSpanId = Google.Protobuf.ByteString.CopyFrom([1, 2]); break;
            case "no start": bad.StartTimeUnixNano = 0; break;
            case "ends before it starts": bad.EndTimeUnixNano = T0 - 1; break;
            case "two days long": bad.EndTimeUnixNano = T0 + (2 * 86_400 * Second); break;
        }

        var batch = _receiver.Map(Parse(Export("shop", bad, Span(TraceId(4), SpanId(2), null, "good", Kind.Server, T0, 10))), 1_000);

        Assert.Equal(1, batch.Rejected);
        Assert.Equal($"span 'bad': {reason}", batch.ErrorMessage?[..Math.Min(batch.ErrorMessage.Length, $"span 'bad': {reason}".Length)]);
        Assert.Equal("good", Assert.Single(batch.AcceptedSpans).Name);
        Assert.All(batch.Points, p => Assert.False(batch.IsRejected(p.DataPoint)));
    }

    [Fact]
    public void Map_MoreSpansThanTheLimit_RestRefused()
    {
        var spans = Enumerable.Range(1, 5).Select(i => Span(TraceId(5), SpanId(i), null, "s", Kind.Internal, T0, 1)).ToArray();

        var batch = _receiver.Map(Parse(Export("shop", spans)), 3);

        Assert.Equal((3, 2), (batch.AcceptedSpans.Count, batch.Rejected));
        Assert.Contains("more than 3 spans", batch.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_HugeAttributeAndName_Clipped()
    {
        var receiver = new OtlpTraceReceiver(Options.Create(new TraceOptions { MaxAttributeLength = 100 }));
        var huge = new string('x', 100_000);

        var span = Assert.Single(receiver.Map(Parse(Export("shop", Span(TraceId(6), SpanId(1), null, huge, Kind.Internal, T0, 1, Attribute("note", huge)))), 10).AcceptedSpans);

        Assert.Equal(100, span.Attributes["note"].Length);
        Assert.Equal(SpanNames.MaxNameLength, span.Name.Length);
    }

    [Fact]
    public void TryParse_Json_HexIdsEnumIntsAndCamelCase()
    {
        var json = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
              "scopeSpans":[{"scope":{"name":"x"},"spans":[
                {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"","name":"GET /a","kind":2,
                 "startTimeUnixNano":"{{{T0}}}","endTimeUnixNano":"{{{T0 + (5 * Millisecond)}}}","status":{"code":2,"message":"boom"},
                 "attributes":[{"key":"http.route","value":{"stringValue":"/a"}}]},
                {"traceId":"not-hex","spanId":"eee19b7ec3c1b175","name":"bad","kind":1,"startTimeUnixNano":"{{{T0}}}","endTimeUnixNano":"{{{T0}}}"}]}]}]}
            """;

        Assert.True(OtlpTracesRequest.TryParse(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json, out var request, out var problem), problem);
        var batch = _receiver.Map(request, 100);

        var span = Assert.Single(batch.AcceptedSpans);
        Assert.Equal(("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", null, "server", true, 5.0), (span.TraceId, span.SpanId, span.ParentSpanId, span.Kind, span.IsError, span.DurationMs));
        Assert.Equal(1, batch.Rejected);
        Assert.Contains("trace_id must be 16 bytes", batch.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}")]
    public void TryParse_MalformedJson_Problem(string json)
    {
        Assert.False(OtlpTracesRequest.TryParse(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Response_PartialSuccess_RejectedSpansAndMessage()
    {
        var bytes = OtlpTracesRequest.Response(OtlpEncoding.Protobuf, 2, "span 'x': bad");

        var response = Proto.Collector.Trace.V1.ExportTraceServiceResponse.Parser.ParseFrom(bytes);

        Assert.Equal((2L, "span 'x': bad"), (response.PartialSuccess.RejectedSpans, response.PartialSuccess.ErrorMessage));
    }
}
