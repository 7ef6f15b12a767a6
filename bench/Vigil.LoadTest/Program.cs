namespace Vigil.LoadTest;

/// <summary>
/// <c>dotnet run -c Release --project bench/Vigil.LoadTest -- --url http://127.0.0.1:5080 --key KEY --pid PID</c>
/// measures a running server's HTTP ingest; see <see cref="LoadTestOptions.Usage"/>.
/// Exit code: 0 clean, 1 the server answered errors, 2 bad arguments or no server.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help" or "-h", ..])
        {
            Console.WriteLine(LoadTestOptions.Usage);
            return 0;
        }

        LoadTestOptions options;
        try
        {
            options = LoadTestOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(LoadTestOptions.Usage).ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            return options.Mode switch
            {
                LoadTestMode.Memory => await new MemoryRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                LoadTestMode.Fanout => await new FanoutRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                LoadTestMode.Queries => await new QueryRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                LoadTestMode.Otlp => await new ThroughputRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                LoadTestMode.Cluster => await new ClusterRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                LoadTestMode.Latency => await new LatencyRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
                _ => await new ThroughputRun(options).RunAsync(Console.Out, Console.Error, cancel.Token).ConfigureAwait(false),
            };
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"Could not read the server process (--pid {options.Pid}): {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("Stopped before the end: interrupted or over the time limit.").ConfigureAwait(false);
            return 1;
        }
    }
}
