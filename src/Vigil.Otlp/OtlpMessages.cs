using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Otlp.Metrics;

namespace Vigil.Otlp;

/// <summary>Reads and writes OTLP messages in either encoding of OTLP/HTTP.</summary>
internal static class OtlpMessages
{
    // OTLP/JSON: field names in lowerCamelCase or as in the .proto (the parser takes both),
    // enums as integers, 64-bit integers as strings or numbers; unknown fields are ignored, as
    // the specification asks of receivers.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads a <typeparamref name="T"/> from a body in <paramref name="encoding"/>; OTLP/JSON text
    /// first goes through <paramref name="rewriteJson"/> when given (trace and span ids are hex there).
    /// On failure <paramref name="problem"/> says why.
    /// </summary>
    public static bool TryParse<T>(ReadOnlySpan<byte> body, OtlpEncoding encoding, MessageParser<T> parser, Func<string, string>? rewriteJson,
        [NotNullWhen(true)] out T? message, [NotNullWhen(false)] out string? problem)
        where T : class, IMessage<T>, new()
    {
        var name = typeof(T).Name;
        message = null;
        try
        {
            if (encoding == OtlpEncoding.Protobuf)
            {
                message = parser.ParseFrom(body);
            }
            else
            {
                var text = StrictUtf8.GetString(body);
                message = Parser.Parse<T>(rewriteJson is null ? text : rewriteJson(text));
            }

            problem = null;
            return true;
        }
        catch (InvalidProtocolBufferException ex)
        {
            problem = (encoding == OtlpEncoding.Protobuf ? $"The body is not a valid protobuf {name}: " : $"The body is not a valid OTLP/JSON {name}: ") + ex.Message;
        }
        catch (InvalidJsonException ex)
        {
            problem = "The body is not valid JSON: " + ex.Message;
        }
        catch (JsonException ex)
        {
            problem = "The body is not valid JSON: " + ex.Message;
        }
        catch (DecoderFallbackException)
        {
            problem = "The body is not valid UTF-8.";
        }
        catch (FormatException ex)
        {
            problem = $"The body is not a valid OTLP/JSON {name}: " + ex.Message;
        }

        return false;
    }

    /// <summary>A message in <paramref name="encoding"/>.</summary>
    public static byte[] Format(IMessage message, OtlpEncoding encoding) =>
        encoding == OtlpEncoding.Protobuf ? message.ToByteArray() : Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message));
}
