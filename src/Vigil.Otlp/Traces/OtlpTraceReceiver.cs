using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Trace.V1;

namespace Vigil.Otlp.Traces;

/// <summary>
/// Turns OTLP spans into <see cref="TraceSpan"/>s and series: every span a timing
/// <c>span_duration_ms{service, kind, name}</c>, every transaction (a server or consumer span,
/// or a root span) also <c>transaction_duration_ms{service, route, method, status}</c>. Spans
/// without valid ids, ending before they start or longer than
/// <see cref="TraceOptions.MaxSpanDuration"/> are refused.
/// </summary>
public sealed class OtlpTraceReceiver
{
    /// <summary>The series of every span's duration.</summary>
    public const string SpanMetric = "span_duration_ms";

    /// <summary>The series of every transaction's duration.</summary>
    public const string TransactionMetric = "transaction_duration_ms";

    /// <summary>The service of spans whose resource names none (OpenTelemetry's default).</summary>
    public const string UnknownService = "unknown_service";

    private readonly TraceOptions _options;

    /// <summary>Creates the receiver.</summary>
    public OtlpTraceReceiver(IOptions<TraceOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <summary>Maps an export; spans past <paramref name="maxSpans"/> are refused.</summary>
    public OtlpTracesBatch Map(OtlpTracesRequest request, int maxSpans)
    {
        ArgumentNullException.ThrowIfNull(request);
        var batch = new OtlpTracesBatch();
        foreach (var resourceSpans in request.Message.ResourceSpans)
        {
            var service = resourceSpans.Resource?.Attributes.FirstOrDefault(a => a.Key == OtlpOptions.ServiceName) is { } named
                && OtlpNames.LabelValue(named.Value) is { Length: > 0 } name ? SpanNames.Clip(name) : UnknownService;
            foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
            {
                var index = batch.Next(span.Name);
                if (index >= maxSpans)
                {
                    batch.Refuse(index, string.Create(CultureInfo.InvariantCulture, $"the export holds more than {maxSpans} spans (Vigil:Metrics:MaxPointsPerBatch); send smaller batches"));
                    continue;
                }

                if (Check(span) is { } problem)
                {
                    batch.Refuse(index, problem);
                    continue;
                }

                var traceSpan = ToTraceSpan(span, service);
                batch.Add(index, traceSpan, Points(index, traceSpan, span.EndTimeUnixNano));
            }
        }

        return batch;
    }

    private string? Check(Span span)
    {
        if (span.TraceId.Length != 16 || span.TraceId.All(b => b == 0))
        {
            return "trace_id must be 16 bytes, not all zero (32 hex digits in OTLP/JSON)";
        }

        if (span.SpanId.Length != 8 || span.SpanId.All(b => b == 0))
        {
            return "span_id must be 8 bytes, not all zero (16 hex digits in OTLP/JSON)";
        }

        if (span.ParentSpanId.Length is not (0 or 8))
        {
            return "parent_span_id must be empty or 8 bytes (16 hex digits in OTLP/JSON)";
        }

        if (span.StartTimeUnixNano == 0 || span.EndTimeUnixNano == 0)
        {
            return "start_time_unix_nano and end_time_unix_nano are required";
        }

        if (span.EndTimeUnixNano < span.StartTimeUnixNano)
        {
            return "end_time_unix_nano is before start_time_unix_nano";
        }

        if (span.EndTimeUnixNano > long.MaxValue)
        {
            return "end_time_unix_nano is past 2262";
        }

        return span.EndTimeUnixNano - span.StartTimeUnixNano > (ulong)_options.MaxSpanDuration.Ticks * 100
            ? $"the span lasts longer than {_options.MaxSpanDuration} (Vigil:Traces:MaxSpanDuration)"
            : null;
    }

    private TraceSpan ToTraceSpan(Span span, string service)
    {
        var attributes = Attributes(span.Attributes);
        var kind = SpanNames.Kind(span.Kind, attributes);
        var parent = span.ParentSpanId.Length == 0 ? null : Hex(span.ParentSpanId);
        var entry = span.Kind is Span.Types.SpanKind.Server or Span.Types.SpanKind.Consumer || parent is null;
        var status = SpanNames.StatusCode(attributes);
        var error = span.Status?.Code == Status.Types.StatusCode.Error || (span.Kind == Span.Types.SpanKind.Server && status >= 500);
        var events = span.Events.Select(e => new TraceEvent(SpanNames.Clip(e.Name), e.TimeUnixNano, Attributes(e.Attributes))).ToArray();
        var message = span.Status?.Message is { Length: > 0 } text ? SpanNames.Clip(text, _options.MaxAttributeLength) : null;
        string? route = null;
        if (entry)
        {
            route = SpanNames.Clip(SpanNames.Route(attributes) ?? span.Name);
            route = route.Length > 0 ? route : "unnamed";
        }

        return new TraceSpan(
            Hex(span.TraceId), Hex(span.SpanId), parent, service, SpanNames.Name(kind, span.Name, attributes), kind, span.StartTimeUnixNano,
            (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6, error, message, attributes, events, route, entry ? SpanNames.Method(attributes) : null);
    }

    private static IEnumerable<OtlpPoint> Points(int index, TraceSpan span, ulong endNano)
    {
        var timestampMs = (long)(endNano / 1_000_000);
        yield return new OtlpPoint(index, SpanMetric, MetricType.Timing, span.DurationMs,
            new Dictionary<string, string?>(StringComparer.Ordinal) { ["service"] = span.Service, ["kind"] = span.Kind, ["name"] = span.Name }, timestampMs, 1);
        if (span.Route is { } route)
        {
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal) { ["service"] = span.Service, ["route"] = route, ["status"] = span.IsError ? "error" : "ok" };
            if (span.Method is { } method)
            {
                labels["method"] = SpanNames.Clip(method, 20);
            }

            yield return new OtlpPoint(index, TransactionMetric, MetricType.Timing, span.DurationMs, labels, timestampMs, 1);
        }
    }

    /// <summary>Attributes as text, long values clipped, database statements without their values.</summary>
    private Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            var key = SpanNames.Clip(attribute.Key);
            var value = OtlpNames.LabelValue(attribute.Value);
            result[key] = SpanNames.Clip(SpanNames.IsStatement(key) ? SqlText.Normalise(value) : value, _options.MaxAttributeLength);
        }

        return result;
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
