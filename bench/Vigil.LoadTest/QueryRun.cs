using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>
/// <c>--mode queries</c>: heavy reads from several viewer keys while ingest runs. Creates one
/// viewer key per entry of <c>--query-concurrency</c> (e.g. <c>6,2</c>: a key with 6 queries in
/// flight and one with 2), fills <c>--query-range</c> of 10 s buckets for <c>--series</c> timing
/// series, then for <c>--duration</c> (after <c>--warmup</c>) each key's workers loop
/// <c>GET /api/v1/series</c> over the whole range (<c>--query-agg</c>, <c>--query-step</c>)
/// while <c>--concurrency</c> workers ingest at <c>--background-rate</c> points/s. Prints one row
/// per key (queries answered, latency percentiles, 429s of the query gate, other statuses) and a
/// row for ingest, with the server's CPU over the window.
/// </summary>
internal sealed class QueryRun(LoadTestOptions options)
{
    private static readonly TimeSpan BucketWidth = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        using var ingest = new IngestClient(options.Url, options.Key, options.Concurrency);
        var (healthy, detail) = await ingest.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        if (!healthy)
        {
            await log.WriteLineAsync($"The server is not answering: {detail}").ConfigureAwait(false);
            return 2;
        }

        using var admin = AdminApi.Client(options);
        var keys = new List<string>();
        for (var k = 0; k < options.QueryConcurrency.Count; k++)
        {
            keys.Add(await CreateViewerKeyAsync(admin, $"loadtest viewer {(char)('A' + k)}", cancellationToken).ConfigureAwait(false));
        }

        await FillAsync(ingest, log, cancellationToken).ConfigureAwait(false);

        var server = options.Pid is { } pid ? new ServerProcess(pid) : null;
        var started = Stopwatch.GetTimestamp();
        var from = started + ToTicks(options.Warmup);
        var to = from + ToTicks(options.Duration);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(options.Warmup + options.Duration + Grace);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"querying {options.Series} series over {options.QueryRange.TotalMinutes:0} min (agg={options.QueryAgg}, step={options.QueryStep.TotalSeconds:0}s) from {keys.Count} keys with {string.Join(" / ", options.QueryConcurrency)} in flight, ingest at {options.BackgroundRate:N0} points/s; warm-up {options.Warmup.TotalSeconds:0} s, measured {options.Duration.TotalSeconds:0} s")).ConfigureAwait(false);

        var cpu = SampleServerCpuAsync(server, from, to, stop.Token);
        var queryTasks = new List<Task<Stats>>[keys.Count];
        for (var k = 0; k < keys.Count; k++)
        {
            queryTasks[k] = [.. Enumerable.Range(0, options.QueryConcurrency[k]).Select(_ => QueryWorkerAsync(keys[k], from, to, stop.Token))];
        }

        var ingestTasks = Enumerable.Range(0, options.BackgroundRate > 0 ? options.Concurrency : 0)
            .Select(w => IngestWorkerAsync(ingest, w, from, to, stop.Token)).ToArray();

        var perKey = new Stats[keys.Count];
        for (var k = 0; k < keys.Count; k++)
        {
            perKey[k] = Stats.Merge(await Task.WhenAll(queryTasks[k]).ConfigureAwait(false));
        }

        var ingestStats = Stats.Merge(await Task.WhenAll(ingestTasks).ConfigureAwait(false));
        var serverCpu = await cpu.ConfigureAwait(false);

        var seconds = options.Duration.TotalSeconds;
        if (options.Header)
        {
            await output.WriteLineAsync("| client | in flight | answered 200 | per s | p50 ms | p95 ms | p99 ms | max ms | 429 (gate) | other | server CPU |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|").ConfigureAwait(false);
        }

        var cpuText = serverCpu is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c:0} %") : "n/a";
        for (var k = 0; k < keys.Count; k++)
        {
            await output.WriteLineAsync(Row($"key {(char)('A' + k)} (queries)", options.QueryConcurrency[k], perKey[k], 200, seconds, cpuText)).ConfigureAwait(false);
        }

        await output.WriteLineAsync(Row(string.Create(CultureInfo.InvariantCulture, $"ingest ({options.Batch} points a batch)"), ingestTasks.Length, ingestStats, 202, seconds, cpuText)).ConfigureAwait(false);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"CPU is in % of one core (this machine has {Environment.ProcessorCount}); ingest accepted {ingestStats.Count(202) * options.Batch / seconds:N0} points/s")).ConfigureAwait(false);
        var failed = perKey.Append(ingestStats).Any(s => s.Statuses.Keys.Any(status => status is not (200 or 202 or 429)));
        return failed ? 1 : 0;
    }

    private static string Row(string client, int inFlight, Stats stats, int ok, double seconds, string cpu)
    {
        var latencies = stats.Latencies(ok);
        var other = string.Join(", ", stats.Statuses.Where(s => s.Key != ok && s.Key != 429).OrderBy(s => s.Key).Select(s => string.Create(CultureInfo.InvariantCulture, $"{(s.Key == 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture))} ×{s.Value.Count}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {client} | {inFlight} | {stats.Count(ok)} | {stats.Count(ok) / seconds:0.0} | {ThroughputRun.Percentile(latencies, 0.50):0} | {ThroughputRun.Percentile(latencies, 0.95):0} | {ThroughputRun.Percentile(latencies, 0.99):0} | {(latencies.Length == 0 ? double.NaN : latencies[^1]):0} | {stats.Count(429)} | {(other.Length == 0 ? "0" : other)} | {cpu} |");
    }

    private async Task<string> CreateViewerKeyAsync(HttpClient admin, string name, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["name"] = name + " " + Guid.NewGuid().ToString("N")[..6], ["role"] = "viewer" };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync("/api/v1/keys", content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(text)!["key"]!.GetValue<string>()
            : throw new InvalidOperationException($"POST /api/v1/keys answered {(int)response.StatusCode}: {text}");
    }

    /// <summary>One point per series per 10 s bucket over the queried range, bucket after bucket.</summary>
    private async Task FillAsync(IngestClient ingest, TextWriter log, CancellationToken cancellationToken)
    {
        var buckets = (int)(options.QueryRange / BucketWidth);
        var start = DateTimeOffset.UtcNow - options.QueryRange;
        start = start.AddTicks(-(start.UtcTicks % BucketWidth.Ticks));
        var values = new ValueSource("timing", options.Seed);
        var batchesPerBucket = (options.Series + options.Batch - 1) / options.Batch;
        var filled = Stopwatch.GetTimestamp();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        long refused = 0;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            var stamp = start + (bucket * BucketWidth);
            var bodies = Enumerable.Range(0, batchesPerBucket).Select(b => Payloads.Build(
                Payloads.MetricName, "timing", b * options.Batch, Math.Min(options.Batch, options.Series - (b * options.Batch)), options.Series, values, stamp)).ToArray();
            await Parallel.ForEachAsync(bodies, parallel, async (body, ct) =>
            {
                var result = await ingest.PostAsync(body.Bytes, ct).ConfigureAwait(false);
                if (result.Status != 202)
                {
                    Interlocked.Increment(ref refused);
                }
            }).ConfigureAwait(false);
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"filled {buckets} buckets × {options.Series} series in {Stopwatch.GetElapsedTime(filled).TotalSeconds:0.0} s ({refused} batches refused)")).ConfigureAwait(false);
    }

    private async Task<Stats> QueryWorkerAsync(string key, long from, long to, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 }) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var stats = new Stats();
        while (Stopwatch.GetTimestamp() < to && !cancellationToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var path = string.Create(CultureInfo.InvariantCulture,
                $"/api/v1/series?metric={Payloads.MetricName}&agg={options.QueryAgg}&step={options.QueryStep.TotalSeconds:0}s&from={Uri.EscapeDataString((now - options.QueryRange).ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(now.ToString("O", CultureInfo.InvariantCulture))}");
            var sent = Stopwatch.GetTimestamp();
            int status;
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            var done = Stopwatch.GetTimestamp();
            if (sent >= from && done < to)
            {
                stats.Add(status, Stopwatch.GetElapsedTime(sent, done).TotalMilliseconds);
            }

            if (status is 429 or 0)
            {
                // As a client honouring Retry-After would (bounded by the end of the run).
                var wait = retryAfter ?? TimeSpan.FromSeconds(1);
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to);
                try
                {
                    await Task.Delay(wait < left ? wait : left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return stats;
    }

    /// <summary>Paced ingest: each of the workers sends a batch every batch × workers / rate seconds, restamped now.</summary>
    private async Task<Stats> IngestWorkerAsync(IngestClient ingest, int worker, long from, long to, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var stats = new Stats();
        var interval = TimeSpan.FromSeconds((double)options.Batch * options.Concurrency / options.BackgroundRate);
        var body = Payloads.Build(Payloads.MetricName, "timing", worker * options.Batch % options.Series, options.Batch, options.Series, new ValueSource("timing", options.Seed + worker), DateTimeOffset.UtcNow);
        var next = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < to && !cancellationToken.IsCancellationRequested)
        {
            Payloads.Restamp(body, DateTimeOffset.UtcNow);
            var sent = Stopwatch.GetTimestamp();
            IngestResult result;
            try
            {
                result = await ingest.PostAsync(body.Bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            if (sent >= from && Stopwatch.GetTimestamp() < to)
            {
                stats.Add(result.Status, result.Elapsed.TotalMilliseconds);
            }

            next += ToTicks(interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        return stats;
    }

    private static async Task<double?> SampleServerCpuAsync(ServerProcess? server, long from, long to, CancellationToken cancellationToken)
    {
        if (server is null)
        {
            return null;
        }

        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from) is { Ticks: > 0 } a ? a : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        var (cpu0, wall0) = (server.TryReadCpuTime(), Stopwatch.GetTimestamp());
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to) is { Ticks: > 0 } b ? b : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        var (cpu1, wall1) = (server.TryReadCpuTime(), Stopwatch.GetTimestamp());
        return cpu0 is { } c0 && cpu1 is { } c1 ? 100 * (c1 - c0).TotalSeconds / Stopwatch.GetElapsedTime(wall0, wall1).TotalSeconds : null;
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Latencies by status.</summary>
    private sealed class Stats
    {
        public Dictionary<int, List<double>> Statuses { get; } = [];

        public static Stats Merge(IEnumerable<Stats> all)
        {
            var merged = new Stats();
            foreach (var (status, latencies) in all.SelectMany(s => s.Statuses))
            {
                if (!merged.Statuses.TryGetValue(status, out var list))
                {
                    merged.Statuses[status] = list = [];
                }

                list.AddRange(latencies);
            }

            return merged;
        }

        public void Add(int status, double milliseconds)
        {
            if (!Statuses.TryGetValue(status, out var list))
            {
                Statuses[status] = list = [];
            }

            list.Add(milliseconds);
        }

        public int Count(int status) => Statuses.TryGetValue(status, out var list) ? list.Count : 0;

        public double[] Latencies(int status) => Statuses.TryGetValue(status, out var list) ? [.. list.Order()] : [];
    }
}
