using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Monitoring.Definitions;
using Vigil.Notifications.Destinations;

namespace Vigil.Monitoring.Checks;

/// <summary>
/// Runs one check of an HTTP or TCP monitor (heartbeats are judged by the scheduler from their
/// check-ins): the request within the timeout, on the <see cref="TimeProvider"/>; the status,
/// keyword and JSON path conditions; the response time against the degraded threshold; the TLS
/// certificate against its expiry warning. Never throws for what the target does; only a
/// cancellation of the caller's token does.
/// </summary>
public sealed class MonitorChecker
{
    private readonly MonitorHttpClients _clients;
    private readonly DestinationGuard _guard;
    private readonly TimeProvider _time;
    private readonly MonitoringOptions _options;

    internal MonitorChecker(MonitorHttpClients clients, DestinationGuard guard, TimeProvider time, IOptions<MonitoringOptions> options)
    {
        _clients = clients;
        _guard = guard;
        _time = time;
        _options = options.Value;
    }

    /// <summary>Checks an HTTP or TCP monitor now.</summary>
    /// <exception cref="ArgumentException">The monitor is a heartbeat.</exception>
    public Task<CheckResult> CheckAsync(MonitorDefinition monitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        return monitor.Type switch
        {
            MonitorType.Http => CheckHttpAsync(monitor, cancellationToken),
            MonitorType.Tcp => CheckTcpAsync(monitor, cancellationToken),
            _ => throw new ArgumentException("Heartbeat monitors are not checked: their jobs check in.", nameof(monitor)),
        };
    }

    private async Task<CheckResult> CheckHttpAsync(MonitorDefinition monitor, CancellationToken cancellationToken)
    {
        var url = new Uri(monitor.Url!);
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(monitor.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        double Elapsed() => Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1);
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(monitor.Method), url);
            request.Headers.UserAgent.ParseAdd(UserAgent);
            request.Headers.ConnectionClose = true;
            if (monitor.Body is not null)
            {
                request.Content = new StringContent(monitor.Body, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.TryParse(monitor.BodyContentType, out var type) ? type : new MediaTypeHeaderValue("application/json");
            }

            foreach (var (name, value) in monitor.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content ??= new ByteArrayContent([]);
                    request.Content.Headers.TryAddWithoutValidation(name, value);
                }
            }

            var client = _clients.For(monitor.FollowRedirects, monitor.IgnoreTlsErrors);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var needsBody = monitor.Keyword is not null || monitor.JsonPath is not null;
            var body = needsBody ? await ReadBodyAsync(response, linked.Token).ConfigureAwait(false) : null;
            var elapsed = Elapsed();
            var certificate = url.Scheme == Uri.UriSchemeHttps ? _clients.CertificateExpiry(url.IdnHost) : null;
            if (!monitor.ExpectedStatus.Any(r => r.Contains(status)))
            {
                return CheckResult.Down(string.Create(CultureInfo.InvariantCulture,
                    $"HTTP {status} {response.ReasonPhrase} (expected {string.Join(", ", monitor.ExpectedStatus)})"), elapsed, status, certificate);
            }

            if (monitor.Keyword is { } keyword && body!.Contains(keyword, StringComparison.Ordinal) == monitor.InvertKeyword)
            {
                return CheckResult.Down(monitor.InvertKeyword ? $"The body contains the keyword '{keyword}'." : $"The body does not contain the keyword '{keyword}'.", elapsed, status, certificate);
            }

            if (monitor.JsonPath is { } path && JudgeJson(path, monitor.JsonPathValue, body!) is { } jsonProblem)
            {
                return CheckResult.Down(jsonProblem, elapsed, status, certificate);
            }

            return Grade(monitor, elapsed, status, certificate);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Down(string.Create(CultureInfo.InvariantCulture, $"No answer within {monitor.TimeoutSeconds:0.###} s."), null);
        }
        catch (HttpRequestException ex)
        {
            return CheckResult.Down(Describe(ex), null);
        }
        catch (IOException ex)
        {
            return CheckResult.Down($"The connection failed: {ex.Message}", null);
        }
    }

    private async Task<CheckResult> CheckTcpAsync(MonitorDefinition monitor, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(monitor.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var socket = await _guard.ConnectAsync(monitor.Host!, monitor.Port!.Value, linked.Token).ConfigureAwait(false);
            var elapsed = Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1);
            socket.Close();
            return Grade(monitor, elapsed, null, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Down(string.Create(CultureInfo.InvariantCulture, $"No connection within {monitor.TimeoutSeconds:0.###} s."), null);
        }
        catch (SocketException ex)
        {
            return CheckResult.Down($"The connection to {monitor.Host}:{monitor.Port} failed: {ex.Message}", null);
        }
        catch (IOException ex)
        {
            return CheckResult.Down(ex.Message, null);
        }
    }

    private CheckResult Grade(MonitorDefinition monitor, double elapsed, int? status, DateTimeOffset? certificate)
    {
        var warnings = new List<string>(2);
        if (monitor.DegradedAboveMs is { } slow && elapsed > slow)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Answered in {elapsed:0.#} ms (degraded above {slow:0.#} ms)."));
        }

        if (certificate is { } expires && monitor.CertificateExpiryDays is { } days)
        {
            var left = expires - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return CheckResult.Down(string.Create(CultureInfo.InvariantCulture, $"The TLS certificate expired at {expires:u}."), elapsed, status, certificate);
            }

            if (left <= TimeSpan.FromDays(days))
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"The TLS certificate expires in {left.TotalDays:0.#} days ({expires:u}; warning at {days} days)."));
            }
        }

        return warnings.Count == 0
            ? new CheckResult(MonitorStatus.Up, elapsed, status, null, certificate)
            : new CheckResult(MonitorStatus.Degraded, elapsed, status, string.Join(" ", warnings), certificate);
    }

    private static string? JudgeJson(string path, string? expected, string body)
    {
        JsonPathExpression.TryParse(path, out var expression, out _);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!expression!.TryFind(document.RootElement, out var value))
            {
                return $"The body has no value at {path}.";
            }

            if (expected is not null && !string.Equals(JsonPathExpression.TextOf(value), expected, StringComparison.Ordinal))
            {
                var actual = JsonPathExpression.TextOf(value);
                return $"{path} is '{(actual.Length > 200 ? actual[..200] + "…" : actual)}', expected '{expected}'.";
            }

            return null;
        }
        catch (JsonException)
        {
            return $"The body is not JSON (the condition on {path} needs it).";
        }
    }

    private async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_options.MaxBodyBytes, 64 * 1024));
        try
        {
            using var kept = new MemoryStream();
            int read;
            while (kept.Length < _options.MaxBodyBytes && (read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, _options.MaxBodyBytes - kept.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                kept.Write(buffer, 0, read);
            }

            var charset = response.Content.Headers.ContentType?.CharSet;
            var encoding = Encoding.UTF8;
            if (charset is not null)
            {
                try
                {
                    encoding = Encoding.GetEncoding(charset.Trim('"'));
                }
                catch (ArgumentException)
                {
                    // An unknown charset: read it as UTF-8.
                }
            }

            return encoding.GetString(kept.GetBuffer(), 0, (int)kept.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Describe(HttpRequestException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException authentication)
            {
                return $"The TLS handshake failed: {authentication.Message}";
            }

            if (inner is IOException io && io.GetType().Name == "DestinationRefusedException")
            {
                return io.Message;
            }
        }

        return ex.InnerException is SocketException socket ? $"The connection failed: {socket.Message}" : $"The request failed: {ex.Message}";
    }

    private static readonly string UserAgent = $"Vigil-Monitor/{typeof(MonitorChecker).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";
}
