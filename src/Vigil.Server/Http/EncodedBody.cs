using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Vigil.Server.Http;

/// <summary>
/// A request body read whole, decoded by its <c>Content-Encoding</c> (gzip, and deflate where the
/// protocol allows it) within a size limit that counts the decoded bytes: the protocols that send
/// compressed bodies (OTLP, Sentry) read theirs here. Too large is a 413, not valid gzip or
/// deflate a 400, an encoding not accepted a 415.
/// </summary>
internal static class EncodedBody
{
    /// <summary>The body's bytes, or the problem to answer with.</summary>
    public static async Task<(byte[]? Bytes, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long maxBytes, bool allowDeflate, CancellationToken cancellationToken)
    {
        var contentEncoding = request.Headers.ContentEncoding.ToString().Trim();
        var gzip = contentEncoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        var deflate = allowDeflate && contentEncoding.Equals("deflate", StringComparison.OrdinalIgnoreCase);
        if (!gzip && !deflate && contentEncoding.Length > 0 && !contentEncoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported content encoding",
                $"Content-Encoding '{contentEncoding}' is not supported; send {(allowDeflate ? "gzip, deflate" : "gzip")} or no encoding."));
        }

        byte[]? bytes;
        try
        {
            if (gzip || deflate)
            {
                // HTTP's deflate is zlib-wrapped (RFC 9110).
                Stream source = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : new ZLibStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
                await using (source.ConfigureAwait(false))
                {
                    bytes = await ReadAtMostAsync(source, maxBytes, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                bytes = await ReadAtMostAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            bytes = null;
        }
        catch (InvalidDataException ex)
        {
            return (null, Problems.Field("$", $"The body is not valid {(gzip ? "gzip" : "deflate")}: {ex.Message}"));
        }

        if (bytes is null)
        {
            return (null, Problems.Status(StatusCodes.Status413PayloadTooLarge, "The body is too large",
                string.Create(CultureInfo.InvariantCulture, $"The body is larger than {maxBytes} bytes{(gzip || deflate ? " (decoded)" : "")} (Vigil:Http:MaxRequestBodyBytes); send smaller requests.")));
        }

        return (bytes, null);
    }

    /// <summary>The whole stream, or null when it holds more than <paramref name="maxBytes"/>.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
