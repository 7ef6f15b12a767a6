using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Vigil.Server.Tests.Hosting;

/// <summary>The Vigil server started as its own process, the way a user runs it, on a free loopback port.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _error = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Standard output and standard error, interleaved.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Standard error alone.</summary>
    public IReadOnlyList<string> ErrorLines => [.. _error];

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id.</summary>
    public int Pid => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the server in <paramref name="workingDirectory"/> on <paramref name="port"/> (a free one when null).</summary>
    public static ServerProcess Start(string workingDirectory, IDictionary<string, string>? environment = null, int? port = null)
    {
        port ??= FreePort();
        var info = StartInfo(workingDirectory, environment, ["--urls", $"http://127.0.0.1:{port}"]);
        var process = Process.Start(info)!;
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                server._output.Enqueue(e.Data);
                server.Notify(e.Data);
                if (e.Data.Contains("Now listening on:", StringComparison.Ordinal))
                {
                    server._listening.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { server._output.Enqueue(e.Data); server._error.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>The first line of standard output that <paramref name="match"/> accepts, printed already or to come.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((match, found));
        }

        if (_output.FirstOrDefault(match) is { } printed)
        {
            found.TrySetResult(printed);
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server did not print the line awaited:\n{Output}");
        }
    }

    private void Notify(string line)
    {
        lock (_waiters)
        {
            foreach (var (match, found) in _waiters)
            {
                if (match(line))
                {
                    found.TrySetResult(line);
                }
            }
        }
    }

    /// <summary>Runs the server's executable with <paramref name="args"/> (a command such as <c>secrets rotate-master-key</c>) to its end.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    /// <summary>
    /// Waits until the server says it listens (Kestrel's "Now listening on:" line, written once
    /// every hosted service has started) or exits, then checks that it answers its liveness check.
    /// Signal-driven: nothing is polled; the deadline only bounds a server that hangs.
    /// </summary>
    public async Task WaitUntilReadyAsync()
    {
        try
        {
            await Task.WhenAny(_listening.Task, _process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server did not become ready:\n{Output}");
        }

        if (!_listening.Task.IsCompleted)
        {
            throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
        }

        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var response = await client.GetAsync("/api/health?quick=true");
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The server listens but its liveness check answered {(int)response.StatusCode}:\n{Output}");
        }
    }

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Sends SIGTERM, as a service manager does, and waits for a graceful exit.</summary>
    public async Task StopGracefullyAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string>? environment, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vigil.Server.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
