using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Proto.Collector.Trace.V1;

namespace Vigil.Otlp.Traces;

/// <summary>An OTLP <c>ExportTraceServiceRequest</c> read from a request body.</summary>
public sealed class OtlpTracesRequest
{
    private static readonly string[][] IdFields = [["traceId", "trace_id"], ["spanId", "span_id"], ["parentSpanId", "parent_span_id"]];

    private OtlpTracesRequest(ExportTraceServiceRequest message) => Message = message;

    internal ExportTraceServiceRequest Message { get; }

    /// <summary>An export built by Vigil from another protocol's spans (<see cref="SentryTransactions"/>).</summary>
    internal static OtlpTracesRequest From(ExportTraceServiceRequest message) => new(message);

    /// <summary>Reads a body in <paramref name="encoding"/>; on failure <paramref name="problem"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, OtlpEncoding encoding, [NotNullWhen(true)] out OtlpTracesRequest? request, [NotNullWhen(false)] out string? problem)
    {
        if (OtlpMessages.TryParse(body, encoding, ExportTraceServiceRequest.Parser, HexIdsToBase64, out var message, out problem))
        {
            request = new OtlpTracesRequest(message);
            return true;
        }

        request = null;
        return false;
    }

    /// <summary>The answer to an export: empty when everything was taken, else with <c>partial_success</c>.</summary>
    public static byte[] Response(OtlpEncoding encoding, long rejectedSpans, string? errorMessage)
    {
        var response = new ExportTraceServiceResponse();
        if (rejectedSpans > 0 || !string.IsNullOrEmpty(errorMessage))
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = rejectedSpans, ErrorMessage = errorMessage ?? "" };
        }

        return OtlpMessages.Format(response, encoding);
    }

    /// <summary>
    /// OTLP/JSON writes trace and span ids in hex, where protobuf's JSON mapping has base64: the ids
    /// of spans and links are turned into base64. An id that is not hex becomes empty, so its span
    /// is refused (and counted in <c>partial_success</c>) rather than the whole export.
    /// </summary>
    private static string HexIdsToBase64(string json)
    {
        if (JsonNode.Parse(json) is not JsonObject root)
        {
            return json;
        }

        foreach (var resourceSpans in Items(root, "resourceSpans", "resource_spans"))
        {
            foreach (var scopeSpans in Items(resourceSpans, "scopeSpans", "scope_spans"))
            {
                foreach (var span in Items(scopeSpans, "spans"))
                {
                    RewriteIds(span);
                    foreach (var link in Items(span, "links"))
                    {
                        RewriteIds(link);
                    }
                }
            }
        }

        return root.ToJsonString();
    }

    private static void RewriteIds(JsonObject item)
    {
        foreach (var names in IdFields)
        {
            foreach (var name in names)
            {
                if (item[name] is JsonValue value && value.TryGetValue<string>(out var hex))
                {
                    item[name] = hex.Length % 2 == 0 && hex.All(char.IsAsciiHexDigit) ? Convert.ToBase64String(Convert.FromHexString(hex)) : "";
                }
            }
        }
    }

    private static IEnumerable<JsonObject> Items(JsonObject parent, params string[] names)
    {
        foreach (var name in names)
        {
            if (parent[name] is JsonArray array)
            {
                foreach (var item in array.OfType<JsonObject>())
                {
                    yield return item;
                }
            }
        }
    }
}
