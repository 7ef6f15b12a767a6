using System.Diagnostics;
using System.Globalization;

namespace Vigil.LoadTest;

/// <summary>
/// <c>--mode throughput</c>: <c>--concurrency</c> workers each POST pre-serialized batches in a
/// loop for <c>--warmup</c> + <c>--duration</c>; only requests that complete inside the
/// measured window count. Prints one markdown table row. <c>--mode otlp</c> does the same with
/// the <c>--payload</c> of <see cref="OtlpPayloads"/> (and, with <c>--total</c>, stops once that
/// many points or spans were accepted).
/// </summary>
internal sealed class ThroughputRun(LoadTestOptions options)
{
    // In-flight requests get this long after the end before they are cancelled.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    // --total: points accepted so far, and set when they reach it.
    private readonly TaskCompletionSource<long> _reachedTotal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _acceptedTotal;
    private long _sends;

    private bool Otlp => options.Mode == LoadTestMode.Otlp;

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        using var client = new IngestClient(options.Url, options.Key, options.Concurrency, Otlp ? OtlpPayloads.EndpointFor(options.Payload) : null);
        var (healthy, detail) = await client.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        if (!healthy)
        {
            await log.WriteLineAsync($"The server is not answering: {detail}").ConfigureAwait(false);
            return 2;
        }

        var bodies = BuildBodies();
        var server = options.Pid is { } pid ? new ServerProcess(pid) : null;
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{bodies.Sum(b => b.Length)} bodies of {options.Batch} points ({bodies[0][0].Bytes.Length / 1024.0:0} KiB each) ready; warming up {options.Warmup.TotalSeconds:0} s, then measuring {options.Duration.TotalSeconds:0} s with {options.Concurrency} connections")).ConfigureAwait(false);

        var rssBefore = server?.TryReadRssBytes();
        var started = Stopwatch.GetTimestamp();
        var window = new Window(started + ToTicks(options.Warmup), started + ToTicks(options.Warmup + options.Duration));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Warmup + options.Duration + Grace);

        var cpu = SampleCpuAsync(server, window, _reachedTotal.Task, stop.Token);
        var workers = new Task<WorkerStats>[options.Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = RunWorkerAsync(client, bodies[w], window, stop.Token);
        }

        var stats = await Task.WhenAll(workers).ConfigureAwait(false);
        var cpuUse = await cpu.ConfigureAwait(false);
        var rssAfter = server?.TryReadRssBytes();

        var seconds = _reachedTotal.Task.IsCompleted ? Stopwatch.GetElapsedTime(window.From, _reachedTotal.Task.Result).TotalSeconds : options.Duration.TotalSeconds;
        var requests = stats.Sum(s => s.Accepted);
        var points = stats.Sum(s => s.Points);
        var latencies = stats.SelectMany(s => s.LatenciesMs).Order().ToArray();
        var errors = stats.SelectMany(s => s.Errors).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));

        // --mode otlp: a first column says what was sent (points/s are spans/s for traces).
        var payload = Otlp ? $"| {options.Payload.ToString().ToLowerInvariant()} " : "";
        if (options.Header)
        {
            await output.WriteAsync(payload.Length == 0 ? "" : "| payload ").ConfigureAwait(false);
            await output.WriteLineAsync("| concurrency | batch | series | batches/s | points/s | p50 ms | p99 ms | errors | server CPU | client CPU | other CPU | server RSS before → after | RSS growth / series |").ConfigureAwait(false);
            await output.WriteLineAsync((payload.Length == 0 ? "" : "|---") + "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|").ConfigureAwait(false);
        }

        var culture = CultureInfo.InvariantCulture;
        var rss = rssBefore is { } before && rssAfter is { } after
            ? ($"{ServerProcess.FormatBytes(before)} → {ServerProcess.FormatBytes(after)}", ServerProcess.FormatBytes((after - before) / options.Series))
            : ("n/a", "n/a");
        await output.WriteLineAsync(payload + string.Create(culture,
            $"| {options.Concurrency} | {options.Batch} | {options.Series} | {requests / seconds:0.0} | {points / seconds:N0} | {Percentile(latencies, 0.50):0.0} | {Percentile(latencies, 0.99):0.0} | {FormatErrors(errors)} | {FormatCpu(cpuUse.Server)} | {FormatCpu(cpuUse.Client)} | {FormatCpu(cpuUse.Other)} | {rss.Item1} | {rss.Item2} |")).ConfigureAwait(false);
        await log.WriteLineAsync(string.Create(culture,
            $"measured {seconds:0} s: {requests} batches accepted, {points:N0} points, {stats.Sum(s => s.ShortAnswers)} short answers (accepted < batch), {stats.Sum(s => s.OutsideWindow)} requests outside the window; CPU is in % of one core (this machine has {Environment.ProcessorCount})")).ConfigureAwait(false);
        return errors.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// max(2 per worker, enough to cover every series) bodies; body <c>k</c> starts at point
    /// <c>k × batch</c> and belongs to worker <c>k mod concurrency</c>, so a worker can restamp
    /// its bodies without racing another.
    /// </summary>
    internal RequestBody[][] BuildBodies()
    {
        var c = options.Concurrency;
        var perBody = Otlp && options.Payload == OtlpPayload.Traces ? options.Batch / OtlpPayloads.SpansPerTrace : options.Batch; // series (routes) a body covers
        var total = Math.Max(2 * c, (options.Series + perBody - 1) / perBody);
        total = (total + c - 1) / c * c;
        var stamp = options.LiveTimestamps ? DateTimeOffset.UtcNow : (DateTimeOffset?)null;
        var random = new Random(options.Seed);
        var bodies = new RequestBody[c][];
        for (var w = 0; w < c; w++)
        {
            bodies[w] = new RequestBody[total / c];
            for (var j = 0; j < bodies[w].Length; j++)
            {
                var k = (j * c) + w;
                var values = new ValueSource(options.Type, options.Seed + k);
                var first = (int)((long)k * options.Batch % options.Series);
                bodies[w][j] = !Otlp || options.Payload == OtlpPayload.Json ? Payloads.Build(Payloads.MetricNameFor(options.Type), options.Type, first, options.Batch, options.Series, values, stamp)
                    : options.Payload == OtlpPayload.Metrics ? OtlpPayloads.Metrics(options.Type, first, options.Batch, options.Series, values)
                    : OtlpPayloads.Traces(k * (options.Batch / OtlpPayloads.SpansPerTrace), options.Batch, options.Series, new ValueSource("timing", options.Seed + k), random);
            }
        }

        return bodies;
    }

    private async Task<WorkerStats> RunWorkerAsync(IngestClient client, RequestBody[] bodies, Window window, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var stats = new WorkerStats();
        var next = 0;
        while (Stopwatch.GetTimestamp() < window.To && !cancellationToken.IsCancellationRequested && !_reachedTotal.Task.IsCompleted)
        {
            var body = bodies[next++ % bodies.Length];
            if (body.NanosBefore is not null)
            {
                OtlpPayloads.Restamp(body, DateTimeOffset.UtcNow, Interlocked.Increment(ref _sends));
            }
            else if (options.LiveTimestamps)
            {
                Payloads.Restamp(body, DateTimeOffset.UtcNow);
            }

            IngestResult result;
            try
            {
                result = await client.PostAsync(body.Bytes, cancellationToken, body.Points).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var now = Stopwatch.GetTimestamp();
            if (now >= window.From && now < window.To)
            {
                stats.Add(result, body.Points);
                if (options.Total is { } total && Interlocked.Add(ref _acceptedTotal, result.Accepted) >= total)
                {
                    _reachedTotal.TrySetResult(now);
                }
            }
            else
            {
                stats.OutsideWindow++;
            }

            if (result.Status == 0)
            {
                // No answer at all (refused, reset): do not spin on a server that is gone.
                try
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return stats;
    }

    /// <summary>
    /// Server, client and other processes' CPU over the measured window, in % of one core: the
    /// machine may be shared, and "other" says how much of it something else took.
    /// </summary>
    private static async Task<CpuUse> SampleCpuAsync(ServerProcess? server, Window window, Task reachedTotal, CancellationToken cancellationToken)
    {
        var self = Process.GetCurrentProcess();
        await DelayUntilAsync(window.From, cancellationToken).ConfigureAwait(false);
        self.Refresh();
        var (server0, client0, machine0, wall0) = (server?.TryReadCpuTime(), self.TotalProcessorTime, ServerProcess.ReadMachineBusyTime(), Stopwatch.GetTimestamp());
        await Task.WhenAny(DelayUntilAsync(window.To, cancellationToken), reachedTotal).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        self.Refresh();
        var (server1, client1, machine1, wall1) = (server?.TryReadCpuTime(), self.TotalProcessorTime, ServerProcess.ReadMachineBusyTime(), Stopwatch.GetTimestamp());
        var wall = Stopwatch.GetElapsedTime(wall0, wall1).TotalSeconds;
        var serverPercent = server0 is { } s0 && server1 is { } s1 ? 100 * (s1 - s0).TotalSeconds / wall : (double?)null;
        var clientPercent = 100 * (client1 - client0).TotalSeconds / wall;
        var machinePercent = 100 * (machine1 - machine0).TotalSeconds / wall;
        return new CpuUse(serverPercent, clientPercent, serverPercent is { } sp ? Math.Max(0, machinePercent - sp - clientPercent) : null);
    }

    private static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string FormatCpu(double? percent) =>
        percent is { } p ? string.Create(CultureInfo.InvariantCulture, $"{p:0} %") : "n/a";

    private static string FormatErrors(Dictionary<string, long> errors) =>
        errors.Count == 0 ? "0" : string.Join(", ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} ×{e.Value}")));

    private readonly record struct Window(long From, long To);

    private readonly record struct CpuUse(double? Server, double Client, double? Other);

    private sealed class WorkerStats
    {
        public long Accepted { get; private set; }

        public long Points { get; private set; }

        public long ShortAnswers { get; private set; }

        public long OutsideWindow { get; set; }

        public List<double> LatenciesMs { get; } = new(4096);

        public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

        public void Add(IngestResult result, int sent)
        {
            LatenciesMs.Add(result.Elapsed.TotalMilliseconds);
            if (result.Status == 202)
            {
                Accepted++;
                Points += result.Accepted;
                if (result.Accepted < sent)
                {
                    ShortAnswers++;
                }

                return;
            }

            var kind = result.Status == 0 ? result.ErrorKind : string.Create(CultureInfo.InvariantCulture, $"{result.Status}");
            Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
        }
    }
}
