using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Vigil.Client;

/// <summary>
/// Writes batches in the JSON shapes Vigil reads, straight from the buffers with a
/// <see cref="Utf8JsonWriter"/> (no intermediate objects): metric points and job executions as its
/// ingestion API takes them (timestamps UTC with milliseconds, for example
/// <c>2026-11-23T18:00:00.000Z</c>), spans as an OTLP/JSON traces export, error events as a Sentry
/// envelope.
/// </summary>
internal static class BatchSerializer
{
    private const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    private static readonly JsonEncodedText Points = JsonEncodedText.Encode("points");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText Labels = JsonEncodedText.Encode("labels");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText Executions = JsonEncodedText.Encode("executions");
    private static readonly JsonEncodedText JobId = JsonEncodedText.Encode("jobId");
    private static readonly JsonEncodedText Success = JsonEncodedText.Encode("success");
    private static readonly JsonEncodedText DurationMs = JsonEncodedText.Encode("durationMs");
    private static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");
    private static readonly JsonEncodedText Counter = JsonEncodedText.Encode("counter");
    private static readonly JsonEncodedText Gauge = JsonEncodedText.Encode("gauge");
    private static readonly JsonEncodedText Timing = JsonEncodedText.Encode("timing");
    private static readonly JsonEncodedText ServiceLabel = JsonEncodedText.Encode("service");

    /// <summary>
    /// Reads up to <paramref name="max"/> points from <paramref name="reader"/> into a
    /// <c>{"points":[...]}</c> document; a point without a <c>service</c> label gets
    /// <paramref name="service"/> when given (and when the point has room for one more label).
    /// </summary>
    /// <returns>The number of points written (0 if the buffer was empty).</returns>
    public static int WriteMetrics(ChannelReader<MetricPoint> reader, int max, IBufferWriter<byte> output, string? service = null)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartArray(Points);
        int count = 0;
        while (count < max && reader.TryRead(out var point))
        {
            writer.WriteStartObject();
            writer.WriteString(Name, point.Name);
            writer.WriteString(Type, point.Kind switch
            {
                MetricKind.Counter => Counter,
                MetricKind.Gauge => Gauge,
                _ => Timing,
            });
            writer.WriteNumber(Value, point.Value);
            WriteDictionary(writer, Labels, point.Labels, service is not null && NeedsService(point.Labels) ? service : null);
            WriteTimestamp(writer, point.Timestamp);
            writer.WriteEndObject();
            count++;
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        return count;
    }

    /// <summary>Reads up to <paramref name="max"/> executions from <paramref name="reader"/> into an <c>{"executions":[...]}</c> document.</summary>
    /// <returns>The number of executions written (0 if the buffer was empty).</returns>
    public static int WriteJobExecutions(ChannelReader<JobExecution> reader, int max, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartArray(Executions);
        int count = 0;
        while (count < max && reader.TryRead(out var execution))
        {
            writer.WriteStartObject();
            writer.WriteString(JobId, execution.JobId);
            writer.WriteBoolean(Success, execution.Success);
            writer.WriteNumber(DurationMs, execution.DurationMs);
            WriteTimestamp(writer, execution.Timestamp);
            WriteDictionary(writer, Metadata, execution.Metadata);
            writer.WriteEndObject();
            count++;
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        return count;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> spans into an OTLP/JSON <c>ExportTraceServiceRequest</c>
    /// (ids in hex, times in Unix nanoseconds as strings, kinds and status codes as numbers, every
    /// attribute a string), all of <paramref name="service"/>.
    /// </summary>
    /// <returns>The number of spans written (0 if the buffer was empty).</returns>
    public static int WriteSpans(ChannelReader<SpanRecord> reader, int max, IBufferWriter<byte> output, string service)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartArray("resourceSpans");
        writer.WriteStartObject();
        writer.WriteStartObject("resource");
        WriteAttributes(writer, [new("service.name", service)]);
        writer.WriteEndObject();
        writer.WriteStartArray("scopeSpans");
        writer.WriteStartObject();
        writer.WriteStartObject("scope");
        writer.WriteString("name", VigilClientOptions.ActivitySourceName);
        writer.WriteEndObject();
        writer.WriteStartArray("spans");
        int count = 0;
        while (count < max && reader.TryRead(out var span))
        {
            writer.WriteStartObject();
            writer.WriteString("traceId", span.TraceId);
            writer.WriteString("spanId", span.SpanId);
            if (span.ParentSpanId is { } parent)
            {
                writer.WriteString("parentSpanId", parent);
            }

            writer.WriteString("name", span.Name);
            writer.WriteNumber("kind", span.Kind);
            writer.WriteString("startTimeUnixNano", span.StartUnixNano.ToString(CultureInfo.InvariantCulture));
            writer.WriteString("endTimeUnixNano", span.EndUnixNano.ToString(CultureInfo.InvariantCulture));
            WriteAttributes(writer, span.Attributes);
            if (span.Events.Length > 0)
            {
                writer.WriteStartArray("events");
                foreach (var spanEvent in span.Events)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", spanEvent.Name);
                    writer.WriteString("timeUnixNano", spanEvent.TimeUnixNano.ToString(CultureInfo.InvariantCulture));
                    WriteAttributes(writer, spanEvent.Attributes);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (span.StatusCode != 0)
            {
                writer.WriteStartObject("status");
                writer.WriteNumber("code", span.StatusCode);
                if (span.StatusMessage is { Length: > 0 } message)
                {
                    writer.WriteString("message", message);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            count++;
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        return count;
    }

    /// <summary>
    /// Reads up to <paramref name="max"/> error events (each a Sentry event's JSON) into one Sentry
    /// envelope: a header line, then per event an item header with its length and the event.
    /// </summary>
    /// <returns>The number of events written (0 if the buffer was empty).</returns>
    public static int WriteEnvelope(ChannelReader<byte[]> reader, int max, IBufferWriter<byte> output)
    {
        output.Write("{}\n"u8);
        int count = 0;
        while (count < max && reader.TryRead(out var errorEvent))
        {
            output.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"event\",\"length\":{errorEvent.Length}}}\n")));
            output.Write(errorEvent);
            output.Write("\n"u8);
            count++;
        }

        return count;
    }

    private static void WriteAttributes(Utf8JsonWriter writer, KeyValuePair<string, string>[] attributes)
    {
        writer.WriteStartArray("attributes");
        foreach (var (key, value) in attributes)
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WriteStartObject("value");
            writer.WriteString("stringValue", value);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteDictionary(Utf8JsonWriter writer, JsonEncodedText property, KeyValuePair<string, string>[]? items, string? service = null)
    {
        writer.WriteStartObject(property);
        if (items is not null)
        {
            foreach (var (key, value) in items)
            {
                writer.WriteString(key, value);
            }
        }

        if (service is not null)
        {
            writer.WriteString(ServiceLabel, service);
        }

        writer.WriteEndObject();
    }

    private static bool NeedsService(KeyValuePair<string, string>[]? labels)
    {
        if (labels is null)
        {
            return true;
        }

        if (labels.Length >= IngestRules.MaxLabelsPerPoint)
        {
            return false;
        }

        foreach (var (key, _) in labels)
        {
            if (key == "service")
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteTimestamp(Utf8JsonWriter writer, DateTimeOffset timestamp)
    {
        Span<byte> utf8 = stackalloc byte[32];
        if (!timestamp.UtcDateTime.TryFormat(utf8, out int written, TimestampFormat, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A timestamp did not fit its buffer.");
        }

        writer.WriteString(Timestamp, utf8[..written]);
    }
}
