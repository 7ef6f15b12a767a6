using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Vigil.Server.Tests.Otlp;

/// <summary>What the OTLP tests send and read over HTTP.</summary>
internal static class OtlpHttp
{
    public const string Protobuf = "application/x-protobuf";

    /// <summary>Moves Vigil's clock past the SDK's (real) timestamps, so what the SDK exported is inside the queried hour.</summary>
    public static void CatchUp(VigilApp app) => app.Time.SetUtcNow(DateTimeOffset.UtcNow.AddSeconds(10));

    /// <summary>Vigil's clock in Unix nanoseconds.</summary>
    public static ulong Nanos(VigilApp app) => (ulong)app.Time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, byte[] body, string contentType, string? contentEncoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        return await client.PostAsync(path, content);
    }

    /// <summary>The series of <paramref name="metric"/> under <paramref name="agg"/> over the last hour (<paramref name="match"/>: <c>&amp;match[label]=value</c>...).</summary>
    public static async Task<List<JsonElement>> SeriesAsync(HttpClient client, string metric, string agg, string match = "")
    {
        var answer = await (await client.GetAsync($"/api/v1/series?metric={metric}&agg={agg}{match}")).ReadAsync();
        return answer.TryGetProperty("series", out var series) ? [.. series.EnumerateArray()] : [];
    }

    /// <summary>The value of a series' one point.</summary>
    public static double Value(JsonElement series) => series.GetProperty("points")[0][1].GetDouble();
}

/// <summary>
/// The OTLP exporter sends with <see cref="HttpClient.Send(HttpRequestMessage, CancellationToken)"/>,
/// which the in-process test host does not serve: sent asynchronously here instead.
/// </summary>
internal sealed class SynchronousSend : DelegatingHandler
{
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.Run(() => SendAsync(request, cancellationToken), cancellationToken).GetAwaiter().GetResult();
}
