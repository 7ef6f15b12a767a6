using System.Buffers.Binary;
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
            bytes = await ReadAtMostAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
            if (bytes is not null && (gzip || deflate))
            {
                // Read whole first: the decoders stop quietly at the end of a truncated body, which the
                // trailer's checksum and length (gzip: CRC-32 and size; zlib: Adler-32) tell apart.
                var compressed = bytes;
                using var input = new MemoryStream(compressed, writable: false);
                Stream source = gzip ? new GZipStream(input, CompressionMode.Decompress) : new ZLibStream(input, CompressionMode.Decompress);
                await using (source.ConfigureAwait(false))
                {
                    bytes = await ReadAtMostAsync(source, maxBytes, cancellationToken).ConfigureAwait(false);
                }

                if (bytes is not null && !TrailerMatches(compressed, bytes, gzip))
                {
                    throw new InvalidDataException("the body ends before its trailer (truncated), or its checksum does not match.");
                }
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

    /// <summary>Whether the compressed body's trailer matches what it decoded to (a single gzip member, as HTTP clients send).</summary>
    private static bool TrailerMatches(byte[] compressed, byte[] decoded, bool gzip)
    {
        if (gzip)
        {
            return compressed.Length >= 18
                && BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 8)) == System.IO.Hashing.Crc32.HashToUInt32(decoded)
                && BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4)) == unchecked((uint)decoded.Length);
        }

        uint a = 1, b = 0;
        foreach (var value in decoded)
        {
            a = (a + value) % 65521;
            b = (b + a) % 65521;
        }

        return compressed.Length >= 6 && BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(compressed.Length - 4)) == ((b << 16) | a);
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
