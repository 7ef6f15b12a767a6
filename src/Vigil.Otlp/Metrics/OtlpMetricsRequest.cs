using System.Diagnostics.CodeAnalysis;
using Vigil.Otlp.Proto.Collector.Metrics.V1;

namespace Vigil.Otlp.Metrics;

/// <summary>An OTLP <c>ExportMetricsServiceRequest</c> read from a request body.</summary>
public sealed class OtlpMetricsRequest
{
    private OtlpMetricsRequest(ExportMetricsServiceRequest message) => Message = message;

    internal ExportMetricsServiceRequest Message { get; }

    /// <summary>Reads a body in <paramref name="encoding"/>; on failure <paramref name="problem"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, OtlpEncoding encoding, [NotNullWhen(true)] out OtlpMetricsRequest? request, [NotNullWhen(false)] out string? problem)
    {
        // Trace and span ids (hex in OTLP/JSON, base64 in the standard mapping) appear only in
        // exemplars, which Vigil does not read.
        if (OtlpMessages.TryParse(body, encoding, ExportMetricsServiceRequest.Parser, null, out var message, out problem))
        {
            request = new OtlpMetricsRequest(message);
            return true;
        }

        request = null;
        return false;
    }

    /// <summary>The answer to an export: empty when everything was taken, else with <c>partial_success</c>.</summary>
    public static byte[] Response(OtlpEncoding encoding, long rejectedDataPoints, string? errorMessage)
    {
        var response = new ExportMetricsServiceResponse();
        if (rejectedDataPoints > 0 || !string.IsNullOrEmpty(errorMessage))
        {
            response.PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = rejectedDataPoints, ErrorMessage = errorMessage ?? "" };
        }

        return OtlpMessages.Format(response, encoding);
    }
}
