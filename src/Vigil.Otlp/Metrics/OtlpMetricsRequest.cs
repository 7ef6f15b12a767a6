using System.Diagnostics.CodeAnalysis;
using System.Text;
using Google.Protobuf;
using Vigil.Otlp.Proto.Collector.Metrics.V1;

namespace Vigil.Otlp.Metrics;

/// <summary>An OTLP <c>ExportMetricsServiceRequest</c> read from a request body.</summary>
public sealed class OtlpMetricsRequest
{
    // OTLP/JSON: field names in lowerCamelCase or as in the .proto (the parser takes both),
    // enums as integers, 64-bit integers as strings or numbers; unknown fields are ignored, as
    // the specification asks of receivers. Trace and span ids (hex in OTLP/JSON, base64 in the
    // standard mapping) appear only in exemplars, which Vigil does not read.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private OtlpMetricsRequest(ExportMetricsServiceRequest message) => Message = message;

    internal ExportMetricsServiceRequest Message { get; }

    /// <summary>Reads a body in <paramref name="encoding"/>; on failure <paramref name="problem"/> says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, OtlpEncoding encoding, [NotNullWhen(true)] out OtlpMetricsRequest? request, [NotNullWhen(false)] out string? problem)
    {
        request = null;
        try
        {
            var message = encoding == OtlpEncoding.Protobuf
                ? ExportMetricsServiceRequest.Parser.ParseFrom(body)
                : Parser.Parse<ExportMetricsServiceRequest>(StrictUtf8.GetString(body));
            request = new OtlpMetricsRequest(message);
            problem = null;
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            problem = (encoding == OtlpEncoding.Protobuf ? "The body is not a valid protobuf ExportMetricsServiceRequest: " : "The body is not a valid OTLP/JSON ExportMetricsServiceRequest: ") + ex.Message;
        }
        catch (InvalidJsonException ex)
        {
            problem = "The body is not valid JSON: " + ex.Message;
        }
        catch (DecoderFallbackException)
        {
            problem = "The body is not valid UTF-8.";
        }
        catch (FormatException ex)
        {
            problem = "The body is not a valid OTLP/JSON ExportMetricsServiceRequest: " + ex.Message;
        }

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

        return encoding == OtlpEncoding.Protobuf ? response.ToByteArray() : Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(response));
    }
}
