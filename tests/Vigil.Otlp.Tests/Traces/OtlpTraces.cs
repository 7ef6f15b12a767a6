using Google.Protobuf;
using Vigil.Otlp.Proto.Collector.Trace.V1;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Resource.V1;
using Vigil.Otlp.Proto.Trace.V1;
using static Vigil.Otlp.Tests.Metrics.Otlp;

namespace Vigil.Otlp.Tests.Traces;

/// <summary>Builds OTLP trace exports for the tests.</summary>
internal static class OtlpTraces
{
    public const ulong Millisecond = 1_000_000;

    /// <summary>A trace id of 32 hex digits made from a number (distinct numbers, distinct ids).</summary>
    public static string TraceId(int n) => n.ToString("x8", System.Globalization.CultureInfo.InvariantCulture).PadLeft(32, 'a');

    /// <summary>A span id of 16 hex digits made from a number.</summary>
    public static string SpanId(int n) => n.ToString("x8", System.Globalization.CultureInfo.InvariantCulture).PadLeft(16, 'b');

    public static ExportTraceServiceRequest Export(string service, params Span[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tests", Version = "1.0" } };
        scope.Spans.AddRange(spans);
        var resourceSpans = new ResourceSpans { Resource = new Resource() };
        resourceSpans.Resource.Attributes.Add(Attribute("service.name", service));
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    public static Span Span(string traceId, string spanId, string? parentId, string name, Span.Types.SpanKind kind, ulong start, double durationMs, params KeyValue[] attributes)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
            ParentSpanId = parentId is null ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(parentId)),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + (ulong)(durationMs * Millisecond),
        };
        span.Attributes.AddRange(attributes);
        return span;
    }

    public static Span Failed(this Span span, string message)
    {
        span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = message };
        return span;
    }

    public static Span WithException(this Span span, string type, string message, string? stacktrace = null)
    {
        var exception = new Span.Types.Event { Name = "exception", TimeUnixNano = span.EndTimeUnixNano };
        exception.Attributes.Add(Attribute("exception.type", type));
        exception.Attributes.Add(Attribute("exception.message", message));
        exception.Attributes.Add(Attribute("exception.stacktrace", stacktrace ?? $"{type}: {message}\n   at Shop.Orders.Get()"));
        span.Events.Add(exception);
        return span;
    }

    public static KeyValue Number(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    public static global::Vigil.Otlp.Traces.OtlpTracesRequest Parse(ExportTraceServiceRequest request)
    {
        Assert.True(global::Vigil.Otlp.Traces.OtlpTracesRequest.TryParse(request.ToByteArray(), global::Vigil.Otlp.Metrics.OtlpEncoding.Protobuf, out var parsed, out var problem), problem);
        return parsed;
    }
}
