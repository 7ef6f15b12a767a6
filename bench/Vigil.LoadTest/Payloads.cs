using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Vigil.LoadTest;

/// <summary>One pre-serialized request body and where its timestamps are, so they can be restamped in place.</summary>
/// <param name="Bytes">The UTF-8 JSON body.</param>
/// <param name="Points">Number of points in it.</param>
/// <param name="TimestampOffsets">Byte offset of each timestamp's first character (empty when the body has none).</param>
internal sealed record RequestBody(byte[] Bytes, int Points, int[] TimestampOffsets)
{
    /// <summary>OTLP protobuf bodies: the times at <see cref="RequestBody.TimestampOffsets"/> are fixed64 Unix nanoseconds, each this long before the send time.</summary>
    public long[]? NanosBefore { get; init; }

    /// <summary>OTLP traces: where each span's trace id starts (its first 8 bytes are rewritten per send).</summary>
    public int[]? IdOffsets { get; init; }
}

/// <summary>
/// Builds ingest bodies <c>{"points":[{"name","type","value","labels","timestamp"}]}</c> with
/// <see cref="Utf8JsonWriter"/>. Point <c>i</c> belongs to series <c>i % series</c>: labels
/// <c>route=/r{i % series}</c>, <c>method=GET</c>, <c>status=200</c>.
/// </summary>
internal static class Payloads
{
    public const string MetricName = "http_request_duration_ms";

    /// <summary>
    /// The metric a type is sent under: a name keeps its type on the server, so gauges and
    /// counters get names of their own and runs of different types can share a server.
    /// </summary>
    public static string MetricNameFor(string type) => type switch
    {
        "timing" => MetricName,
        "gauge" => "loadtest_queue_depth",
        _ => "loadtest_requests_total",
    };

    /// <summary>Length of a timestamp as written: <c>2026-01-31T12:00:00.000Z</c>.</summary>
    public const int TimestampLength = 24;

    private const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    /// <summary>
    /// A body of <paramref name="count"/> points starting at point number <paramref name="firstPoint"/>,
    /// stamped <paramref name="timestamp"/> (or without timestamps when null).
    /// </summary>
    public static RequestBody Build(string metricName, string type, int firstPoint, int count, int series, ValueSource values, DateTimeOffset? timestamp)
    {
        var buffer = new ArrayBufferWriter<byte>(count * 160);
        var offsets = timestamp is null ? [] : new int[count];
        var stamp = timestamp?.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("points");
            for (var i = 0; i < count; i++)
            {
                var seriesIndex = (firstPoint + i) % series;
                writer.WriteStartObject();
                writer.WriteString("name", metricName);
                writer.WriteString("type", type);
                writer.WriteNumber("value", values.Next());
                writer.WriteStartObject("labels");
                writer.WriteString("route", string.Create(CultureInfo.InvariantCulture, $"/r{seriesIndex}"));
                writer.WriteString("method", "GET");
                writer.WriteString("status", "200");
                writer.WriteEndObject();
                if (stamp is not null)
                {
                    writer.WriteString("timestamp", stamp);
                    // The value ends just before the closing quote of what was written last.
                    offsets[i] = (int)(writer.BytesCommitted + writer.BytesPending) - 1 - TimestampLength;
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new RequestBody(buffer.WrittenSpan.ToArray(), count, offsets);
    }

    /// <summary>Writes <paramref name="timestamp"/> over every timestamp of the body.</summary>
    public static void Restamp(RequestBody body, DateTimeOffset timestamp)
    {
        Span<byte> stamp = stackalloc byte[TimestampLength];
        if (!timestamp.UtcDateTime.TryFormat(stamp, out var written, TimestampFormat, CultureInfo.InvariantCulture) || written != TimestampLength)
        {
            throw new InvalidOperationException($"A timestamp did not format to {TimestampLength} bytes.");
        }

        foreach (var offset in body.TimestampOffsets)
        {
            stamp.CopyTo(body.Bytes.AsSpan(offset, TimestampLength));
        }
    }
}

/// <summary>
/// Values of one point type: timings are log-normal milliseconds (median 50 ms, σ 0.8, like
/// request durations), gauges are whole numbers in [0, 500), counters are 1.
/// </summary>
internal sealed class ValueSource(string type, int seed)
{
    private const double LogMedian = 3.912; // ln(50)
    private const double Sigma = 0.8;
    private readonly Random _random = new(seed);

    public double Next() => type switch
    {
        "timing" => Math.Round(Math.Exp(LogMedian + (Sigma * NextGaussian())), 3),
        "gauge" => _random.Next(0, 500),
        _ => 1,
    };

    // Box–Muller: two uniforms in (0, 1] make one standard normal value.
    private double NextGaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
