using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway redis-server on a free loopback port, without persistence, owned by one test
/// class; <see cref="StopAsync"/> stops it as an outage would. Needs Debian's redis-server
/// (./test.sh installs it).
/// </summary>
public sealed class RedisInstance : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private readonly Process _process;

    private RedisInstance(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=10000,syncTimeout=2000,asyncTimeout=2000";

    public static async Task<RedisInstance> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run the tests with ./test.sh, which installs redis-server (apt-get install redis-server).");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var instance = new RedisInstance(process, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            // redis-server says when it listens.
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return instance;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        await instance.DisposeAsync();
        throw new InvalidOperationException("redis-server did not become ready.");
    }

    /// <summary>Kills the server: clients see their connection drop and new ones refused.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
