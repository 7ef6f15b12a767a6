using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Vigil.LoadTest;

/// <summary>The outcome of one POST: status, points accepted (from a 202's body) and latency.</summary>
/// <param name="Status">HTTP status, or 0 when the request failed without one.</param>
/// <param name="Accepted">The <c>accepted</c> count of a 202, else 0.</param>
/// <param name="Elapsed">From sending to having read the whole response.</param>
/// <param name="Failure">The exception type when there was no response.</param>
internal readonly record struct IngestResult(int Status, int Accepted, TimeSpan Elapsed, string? Failure)
{
    /// <summary>How the outcome is counted in the error column.</summary>
    public string ErrorKind => Failure ?? ((HttpStatusCode)Status).ToString();
}

/// <summary>Where an <see cref="IngestClient"/> posts and how it reads the points accepted from a success.</summary>
/// <param name="Path">The ingest path.</param>
/// <param name="ContentType">The bodies' media type.</param>
/// <param name="Success">The status of a success.</param>
/// <param name="ReadAccepted">The points accepted, from a success's body and the points sent.</param>
internal sealed record IngestEndpoint(string Path, string ContentType, HttpStatusCode Success, Func<byte[], int, int> ReadAccepted);

/// <summary>
/// One <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/> with a connection per
/// worker, posting pre-serialized bodies to <c>/api/v1/metrics</c> (or another <see cref="IngestEndpoint"/>).
/// </summary>
internal sealed class IngestClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly Uri _metrics;
    private readonly Uri _health;
    private readonly IngestEndpoint? _endpoint;
    private readonly MediaTypeHeaderValue _contentType;

    public IngestClient(Uri baseUrl, string key, int connections, IngestEndpoint? endpoint = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _endpoint = endpoint;
        _contentType = endpoint is null ? Json : new MediaTypeHeaderValue(endpoint.ContentType);
        _metrics = new Uri(baseUrl, endpoint?.Path ?? "/api/v1/metrics");
        _health = new Uri(baseUrl, "/api/health?quick=true");
    }

    /// <summary>Whether the server answers its quick health check within 5 s.</summary>
    public async Task<(bool Ok, string Detail)> CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await _http.GetAsync(_health, timeout.Token).ConfigureAwait(false);
            return (response.IsSuccessStatusCode, $"{(int)response.StatusCode} from {_health}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return (false, $"{ex.GetType().Name} from {_health}: {ex.Message}");
        }
    }

    /// <summary>Posts one body; failures without a response are returned, not thrown (except cancellation).</summary>
    /// <param name="body">The request body.</param>
    /// <param name="points">Points in it (another <see cref="IngestEndpoint"/>'s answer may count only those refused).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<IngestResult> PostAsync(byte[] body, CancellationToken cancellationToken, int points = 0)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = _contentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, _metrics) { Content = content };
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var status = (int)response.StatusCode;
            if (_endpoint is not null)
            {
                // Reported as a 202 (accepted), as the JSON ingest answers, so every mode counts it alike.
                return response.StatusCode == _endpoint.Success
                    ? new IngestResult((int)HttpStatusCode.Accepted, _endpoint.ReadAccepted(answer, points), elapsed, null)
                    : new IngestResult(status, 0, elapsed, null);
            }

            return new IngestResult(status, status == (int)HttpStatusCode.Accepted ? ReadAccepted(answer) : 0, elapsed, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new IngestResult(0, 0, Stopwatch.GetElapsedTime(started), ex.GetType().Name);
        }
    }

    public void Dispose() => _http.Dispose();

    // {"accepted":1000}
    private static int ReadAccepted(byte[] answer)
    {
        var reader = new Utf8JsonReader(answer);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("accepted") && reader.Read() && reader.TryGetInt32(out var accepted))
            {
                return accepted;
            }
        }

        return 0;
    }
}
