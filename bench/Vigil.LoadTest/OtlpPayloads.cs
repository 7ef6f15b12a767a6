using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using Vigil.Otlp.Proto.Collector.Metrics.V1;
using Vigil.Otlp.Proto.Collector.Trace.V1;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Metrics.V1;
using Vigil.Otlp.Proto.Trace.V1;
using ProtoSpan = Vigil.Otlp.Proto.Trace.V1.Span;

namespace Vigil.LoadTest;

/// <summary>What <c>--mode otlp</c> sends (<c>--payload</c>).</summary>
internal enum OtlpPayload
{
    /// <summary>Vigil's own <c>POST /api/v1/metrics</c> JSON, the baseline.</summary>
    Json,

    /// <summary>An OTLP <c>ExportMetricsServiceRequest</c> (protobuf) to <c>/v1/metrics</c>.</summary>
    Metrics,

    /// <summary>An OTLP <c>ExportTraceServiceRequest</c> (protobuf) to <c>/v1/traces</c>.</summary>
    Traces,
}

/// <summary>
/// OTLP/HTTP protobuf bodies for <c>--mode otlp</c>, built once with the generated messages and
/// serialized; their <c>fixed64</c> times (and the traces' ids) are then rewritten in place
/// before each send (<see cref="Payloads.Restamp"/>), as <see cref="Payloads"/> does for JSON.
/// </summary>
internal static class OtlpPayloads
{
    public const string ContentType = "application/x-protobuf";

    /// <summary>Spans per trace: one server span (a transaction) and this many − 1 database calls under it.</summary>
    public const int SpansPerTrace = 10;

    /// <summary>Distinct database statements (<c>SELECT t{n}</c>), one series each per service.</summary>
    public const int Tables = 20;

    public const string Service = "loadtest-shop";

    // Times are written as these placeholders, numbered in the order they are built (which is the
    // order protobuf writes them), and found again in the bytes; far from any real time.
    private const ulong TimePlaceholder = 0x7A5A_0000_0000_0000;

    // A trace id's first 8 bytes at build time; rewritten with a counter per send (new traces each time).
    private static readonly byte[] TraceIdMarker = [0x0A, 0x10, 0xA5, 0xA5, 0xA5, 0xA5];

    /// <summary>Where the payload goes and how its answer counts what was accepted.</summary>
    public static IngestEndpoint? EndpointFor(OtlpPayload payload) => payload switch
    {
        OtlpPayload.Metrics => new IngestEndpoint("/v1/metrics", ContentType, HttpStatusCode.OK,
            (answer, sent) => sent - (int)(ExportMetricsServiceResponse.Parser.ParseFrom(answer).PartialSuccess?.RejectedDataPoints ?? 0)),
        OtlpPayload.Traces => new IngestEndpoint("/v1/traces", ContentType, HttpStatusCode.OK,
            (answer, sent) => sent - (int)(ExportTraceServiceResponse.Parser.ParseFrom(answer).PartialSuccess?.RejectedSpans ?? 0)),
        _ => null,
    };

    /// <summary>
    /// <paramref name="count"/> data points of one metric (a gauge, or a delta monotonic sum for
    /// counters) with the labels of <see cref="Payloads.Build"/> as attributes, no resource
    /// attributes (so the series are the JSON baseline's: <c>route</c>, <c>method</c>, <c>status</c>).
    /// </summary>
    public static RequestBody Metrics(string type, int firstPoint, int count, int series, ValueSource values)
    {
        var points = new List<NumberDataPoint>(count);
        for (var i = 0; i < count; i++)
        {
            var point = new NumberDataPoint { AsDouble = values.Next(), TimeUnixNano = TimePlaceholder + (ulong)i };
            point.Attributes.Add(Attribute("route", string.Create(CultureInfo.InvariantCulture, $"/r{(firstPoint + i) % series}")));
            point.Attributes.Add(Attribute("method", "GET"));
            point.Attributes.Add(Attribute("status", "200"));
            points.Add(point);
        }

        var metric = new Metric { Name = Payloads.MetricNameFor(type) };
        switch (type)
        {
            case "gauge":
                metric.Gauge = new Gauge();
                metric.Gauge.DataPoints.Add(points);
                break;
            case "counter":
                metric.Sum = new Sum { AggregationTemporality = AggregationTemporality.Delta, IsMonotonic = true };
                metric.Sum.DataPoints.Add(points);
                break;
            default:
                throw new ArgumentException($"--type {type}: the otlp mode sends gauges or counters (histograms are not one value per data point).");
        }

        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "Vigil.LoadTest" } };
        scope.Metrics.Add(metric);
        var resource = new ResourceMetrics();
        resource.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resource);
        return Locate(request.ToByteArray(), count, new long[count], idTraces: 0);
    }

    /// <summary>
    /// <paramref name="count"/> spans (a multiple of <see cref="SpansPerTrace"/>) of service
    /// <see cref="Service"/>: per trace a server span <c>GET /r{k}</c> (<c>http.route</c>
    /// <c>/r{k}</c>, k = trace number mod <paramref name="routes"/>, 200) and database calls
    /// <c>SELECT t{n}</c> (PostgreSQL, statement with a literal) inside it. The server span lasts
    /// a log-normal time (median 50 ms) and ends at the send time.
    /// </summary>
    public static RequestBody Traces(int firstTrace, int count, int routes, ValueSource values, Random random)
    {
        var traces = count / SpansPerTrace;
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Vigil.LoadTest" } };
        var nanosBefore = new List<long>(2 * count);
        ulong time = 0;
        for (var t = 0; t < traces; t++)
        {
            var trace = new byte[16];
            TraceIdMarker.AsSpan(2).CopyTo(trace);
            BinaryPrimitives.WriteInt32LittleEndian(trace.AsSpan(4), firstTrace + t);
            random.NextBytes(trace.AsSpan(8));
            var traceId = ByteString.CopyFrom(trace);
            var durationNs = (long)(values.Next() * 1e6);
            var route = string.Create(CultureInfo.InvariantCulture, $"/r{(firstTrace + t) % routes}");
            var server = NewSpan(traceId, null, "GET " + route, ProtoSpan.Types.SpanKind.Server, random, ref time, nanosBefore, durationNs, 0);
            server.Attributes.Add(Attribute("http.route", route));
            server.Attributes.Add(Attribute("http.request.method", "GET"));
            server.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } });
            scope.Spans.Add(server);
            for (var s = 1; s < SpansPerTrace; s++)
            {
                var table = random.Next(Tables);
                var startBefore = durationNs - (durationNs * s / SpansPerTrace);
                var call = NewSpan(traceId, server.SpanId, "query", ProtoSpan.Types.SpanKind.Client, random, ref time, nanosBefore, startBefore, startBefore - (durationNs / (2 * SpansPerTrace)));
                call.Attributes.Add(Attribute("db.system.name", "postgresql"));
                call.Attributes.Add(Attribute("db.query.text", string.Create(CultureInfo.InvariantCulture, $"SELECT * FROM t{table} WHERE id = {random.Next(1_000_000)}")));
                scope.Spans.Add(call);
            }
        }

        var resource = new ResourceSpans { Resource = new Vigil.Otlp.Proto.Resource.V1.Resource() };
        resource.Resource.Attributes.Add(Attribute("service.name", Service));
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return Locate(request.ToByteArray(), traces * SpansPerTrace, [.. nanosBefore], traces);
    }

    /// <summary>Writes the send time (less each time's offset) over the body's times, and a new counter over its trace ids' first 8 bytes.</summary>
    public static void Restamp(RequestBody body, DateTimeOffset now, long sendNumber)
    {
        var nowNs = (now - DateTimeOffset.UnixEpoch).Ticks * 100;
        var bytes = body.Bytes.AsSpan();
        for (var i = 0; i < body.TimestampOffsets.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.Slice(body.TimestampOffsets[i], 8), nowNs - body.NanosBefore![i]);
        }

        foreach (var offset in body.IdOffsets ?? [])
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.Slice(offset, 8), sendNumber);
        }
    }

    private static ProtoSpan NewSpan(ByteString traceId, ByteString? parent, string name, ProtoSpan.Types.SpanKind kind, Random random, ref ulong time, List<long> nanosBefore, long startBefore, long endBefore)
    {
        var spanId = new byte[8];
        random.NextBytes(spanId);
        spanId[0] |= 1; // never all zero
        var span = new ProtoSpan
        {
            TraceId = traceId,
            SpanId = ByteString.CopyFrom(spanId),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = TimePlaceholder + time++,
            EndTimeUnixNano = TimePlaceholder + time++,
        };
        if (parent is not null)
        {
            span.ParentSpanId = parent;
        }

        nanosBefore.Add(startBefore);
        nanosBefore.Add(endBefore);
        return span;
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    /// <summary>Finds the placeholder times (in the order they were numbered) and the marked trace ids in the serialized body.</summary>
    private static RequestBody Locate(byte[] bytes, int items, long[] nanosBefore, int idTraces)
    {
        var offsets = new int[nanosBefore.Length];
        Span<byte> placeholder = stackalloc byte[8];
        var from = 0;
        for (var i = 0; i < offsets.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(placeholder, TimePlaceholder + (ulong)i);
            var at = bytes.AsSpan(from).IndexOf(placeholder);
            if (at < 0)
            {
                throw new InvalidOperationException($"Time {i} was not found in the serialized body.");
            }

            offsets[i] = from + at;
            from = offsets[i] + 8;
        }

        var ids = new List<int>();
        for (var at = bytes.AsSpan().IndexOf(TraceIdMarker); at >= 0;)
        {
            ids.Add(at + 2);
            var next = bytes.AsSpan(at + 2).IndexOf(TraceIdMarker);
            at = next < 0 ? -1 : at + 2 + next;
        }

        if (idTraces > 0 && ids.Count != idTraces * SpansPerTrace)
        {
            throw new InvalidOperationException($"Found {ids.Count} trace ids in the serialized body, expected {idTraces * SpansPerTrace}.");
        }

        return new RequestBody(bytes, items, offsets) { NanosBefore = nanosBefore, IdOffsets = idTraces > 0 ? [.. ids] : null };
    }
}
