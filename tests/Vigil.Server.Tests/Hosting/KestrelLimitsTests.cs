using System.Net.Sockets;
using System.Text;

namespace Vigil.Server.Tests.Hosting;

/// <summary>
/// Issue 9, Low: requests that Kestrel itself refused (414 request line too long, 431 headers too
/// large or too many) answered with an empty body. Sent as raw HTTP/1.1 over TCP to a started
/// server, as a hostile client would.
/// </summary>
public sealed class KestrelLimitsTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigil-limits-").FullName;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _server = ServerProcess.Start(_folder, new Dictionary<string, string> { ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey });
        await _server.WaitUntilReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task RequestLineTooLong_414ProblemJson()
    {
        var response = await SendAsync($"GET /api/health?quick=true&pad={new string('a', 9000)} HTTP/1.1\r\nHost: localhost\r\n\r\n");

        AssertProblem(response, 414, "Vigil:Http:MaxRequestLineBytes");
    }

    [Fact]
    public async Task HeadersTooLarge_431ProblemJson()
    {
        var headers = string.Concat(Enumerable.Range(0, 5).Select(i => $"X-Pad-{i}: {new string('b', 8000)}\r\n"));

        var response = await SendAsync($"GET /api/health?quick=true HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");

        AssertProblem(response, 431, "Vigil:Http:MaxRequestHeadersBytes");
    }

    [Fact]
    public async Task TooManyHeaders_431ProblemJson()
    {
        var headers = string.Concat(Enumerable.Range(0, 150).Select(i => $"X-Many-{i}: x\r\n"));

        var response = await SendAsync($"GET /api/health?quick=true HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");

        AssertProblem(response, 431, "Vigil:Http:MaxRequestHeaderCount");
    }

    [Fact]
    public async Task WithinTheLimits_200_NoServerHeader_Nosniff()
    {
        var response = await SendAsync($"GET /api/health?quick=true&pad={new string('a', 7000)} HTTP/1.1\r\nHost: localhost\r\nX-Pad: {new string('b', 20_000)}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nServer:", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nX-Content-Type-Options: nosniff\r\n", response, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertProblem(string response, int status, string setting)
    {
        Assert.StartsWith($"HTTP/1.1 {status} ", response, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var body = response[(end + 4)..];
        if (response[..end].Contains("\r\nTransfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        using var problem = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(setting, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    /// <summary>Sends <paramref name="request"/> as written and reads the answer until the server closes the connection.</summary>
    private async Task<string> SendAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.BaseAddress.Host, _server.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await stream.FlushAsync();
        using var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(answer, timeout.Token);
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
