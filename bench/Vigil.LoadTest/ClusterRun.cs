using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>
/// <c>cluster</c>: for each count of <c>--nodes</c> (1,2,3), a fresh PostgreSQL database and that
/// many Release server processes on it (<see cref="LocalCluster"/>), then the phases of
/// <c>--phases</c>:
/// <list type="bullet">
/// <item><b>ingest</b>: <c>--concurrency</c> workers POST batches, each request to the next node in
/// turn (round robin), saturated or paced to <c>--rate</c>; over the measured window: points/s, the
/// servers' CPU per million points (/proc), PostgreSQL's transactions and tuples per point
/// (<see cref="DatabaseStats"/>), rows shipped to <c>metric_partials</c> and written to
/// <c>rollups_1m</c>, its backends' CPU, Redis commands.</item>
/// <item><b>latency</b>: <see cref="LatencyRun"/> (webhook receiver) against a node that is not the
/// evaluator: ingest call → webhook arrival, through another node's shipments.</item>
/// <item><b>takeover</b> (2+ nodes): SIGKILL of the evaluator, then the time until a survivor's
/// <c>GET /api/v1/cluster</c> names a live evaluator, and until the webhook of an alert whose point
/// was sent to a survivor right after the kill arrives; <c>--takeovers</c> times, a replacement
/// node started after each.</item>
/// </list>
/// Prints markdown tables.
/// </summary>
internal sealed class ClusterRun(LoadTestOptions options)
{
    private readonly List<string> _ingest = [];
    private readonly List<string> _database = [];
    private readonly List<string> _latency = [];
    private readonly List<string> _takeover = [];
    private readonly List<string> _cache = [];

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        var failed = false;
        await log.WriteLineAsync($"load average before: {LoadAverage()}; {Environment.ProcessorCount} cores").ConfigureAwait(false);
        foreach (var count in options.Nodes)
        {
            await using var cluster = await LocalCluster.StartAsync(count, options, log, cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"{count} node(s) up: {string.Join(", ", cluster.Nodes.Select(n => $"{n.Url} pid {n.Pid}"))}").ConfigureAwait(false);
            if (options.Phases.Contains("ingest"))
            {
                failed |= !await IngestAsync(cluster, log, cancellationToken).ConfigureAwait(false);
            }

            if (options.Phases.Contains("latency"))
            {
                failed |= !await LatencyAsync(cluster, log, cancellationToken).ConfigureAwait(false);
            }

            if (options.Phases.Contains("cache"))
            {
                _cache.AddRange(await CachePhase.RunAsync(cluster, options, log, cancellationToken).ConfigureAwait(false));
            }

            if (options.Phases.Contains("takeover") && count > 1)
            {
                for (var i = 0; i < options.Takeovers; i++)
                {
                    // Every second one kills the evaluator while it delivers (its job's lease holds the channel).
                    failed |= !await TakeoverAsync(cluster, inFlight: i % 2 == 1, log, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await WriteTableAsync(output, _ingest,
            "| nodes | points/s (all nodes) | requests p50 / p99 ms | errors | servers' CPU (% of one core, sum) | servers' CPU s per M points | PG backends' CPU s per M points | client CPU | other CPU | load avg (1 min) at end |",
            "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        await WriteTableAsync(output, _database,
            "| nodes | points/s | PG commits/s | per 1000 points: commits · tup_inserted · tup_updated · tup_fetched · tup_returned | metric_partials rows inserted/s | per node | rollups_1m rows inserted + updated/s | Redis commands/s |",
            "|---:|---:|---:|---|---:|---:|---:|---:|").ConfigureAwait(false);
        await WriteTableAsync(output, _latency,
            "| nodes | sent to | episodes | background points/s (to that node) | p50 ms | p90 ms | p99 ms | max ms | mean ms | ingest call p50 ms | timeouts | duplicates |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        await WriteTableAsync(output, _takeover,
            "| nodes | heartbeat | a delivery of the channel in flight on the killed node | SIGKILL → a live evaluator named in GET /api/v1/cluster | → the killed node stale there | → a new alert firing (its firingSince; point sent to a survivor just after the kill) | → that alert's webhook arrives |",
            "|---:|---:|---|---:|---:|---:|---:|").ConfigureAwait(false);
        await WriteTableAsync(output, _cache,
            "| nodes | cache | read | reads | p50 ms | p90 ms | p99 ms | cache hit rate over the window (all nodes, all lookups) | errors |",
            "|---:|---|---|---:|---:|---:|---:|---|---:|").ConfigureAwait(false);
        await log.WriteLineAsync($"load average after: {LoadAverage()}").ConfigureAwait(false);
        return failed ? 1 : 0;
    }

    private static async Task WriteTableAsync(TextWriter output, List<string> rows, string header, string rule)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(header).ConfigureAwait(false);
        await output.WriteLineAsync(rule).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await output.WriteLineAsync(row).ConfigureAwait(false);
        }
    }

    private async Task<bool> IngestAsync(LocalCluster cluster, TextWriter log, CancellationToken cancellationToken)
    {
        var nodes = cluster.Nodes;
        var clients = nodes.Select(n => new IngestClient(n.Url, options.Key, options.Concurrency)).ToArray();
        try
        {
            var bodies = new ThroughputRun(options).BuildBodies();
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"ingest: {options.Concurrency} workers, batches of {options.Batch} over {options.Series} series, round robin over {nodes.Count} node(s), {(options.Rate > 0 ? $"paced to {options.Rate:N0} points/s" : "saturated")}; warm-up {options.Warmup.TotalSeconds:0} s, measuring {options.Duration.TotalSeconds:0} s")).ConfigureAwait(false);

            var started = Stopwatch.GetTimestamp();
            var from = started + Ticks(options.Warmup);
            var to = from + Ticks(options.Duration);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stop.CancelAfter(options.Warmup + options.Duration + TimeSpan.FromSeconds(10));
            long next = 0;
            long points = 0;
            var latencies = new List<double>();
            var errors = new Dictionary<string, long>(StringComparer.Ordinal);
            var interval = options.Rate > 0 ? options.Batch / (double)options.Rate : 0; // seconds between batches, all workers

            async Task Worker(int w)
            {
                await Task.Yield();
                var mine = bodies[w];
                for (long n = w, j = 0; Stopwatch.GetTimestamp() < to && !stop.IsCancellationRequested; n += options.Concurrency, j++)
                {
                    if (interval > 0)
                    {
                        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), started + (long)(n * interval * Stopwatch.Frequency));
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, stop.Token).ConfigureAwait(false);
                        }
                    }

                    var body = mine[j % mine.Length];
                    Payloads.Restamp(body, DateTimeOffset.UtcNow);
                    var client = clients[Interlocked.Increment(ref next) % clients.Length];
                    var result = await client.PostAsync(body.Bytes, stop.Token).ConfigureAwait(false);
                    var now = Stopwatch.GetTimestamp();
                    if (now < from || now >= to)
                    {
                        continue;
                    }

                    lock (latencies)
                    {
                        latencies.Add(result.Elapsed.TotalMilliseconds);
                        if (result.Status == (int)HttpStatusCode.Accepted)
                        {
                            points += result.Accepted;
                        }
                        else
                        {
                            errors[result.ErrorKind] = errors.GetValueOrDefault(result.ErrorKind) + 1;
                        }
                    }

                    if (result.Status == 0)
                    {
                        await Task.Delay(100, stop.Token).ConfigureAwait(false);
                    }
                }
            }

            var workers = Enumerable.Range(0, options.Concurrency).Select(Worker).ToArray();
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from), cancellationToken).ConfigureAwait(false);
            var before = await SnapshotAsync(cluster, cancellationToken).ConfigureAwait(false);
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to), cancellationToken).ConfigureAwait(false);
            var after = await SnapshotAsync(cluster, cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // requests still in flight 10 s after the end
            }

            var seconds = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
            var rate = points / options.Duration.TotalSeconds;
            var serverCpu = (after.ServerCpu - before.ServerCpu).TotalSeconds;
            var pgCpu = DatabaseStats.BackendCpuBetween(before.Database, after.Database).TotalSeconds;
            var clientCpu = (after.ClientCpu - before.ClientCpu).TotalSeconds;
            var other = Math.Max(0, (after.MachineBusy - before.MachineBusy).TotalSeconds - serverCpu - pgCpu - clientCpu);
            var millions = points / 1e6;
            var sorted = latencies.Order().ToArray();
            var c = CultureInfo.InvariantCulture;
            _ingest.Add(string.Create(c,
                $"| {nodes.Count} | {rate:N0} | {ThroughputRun.Percentile(sorted, 0.5):0.0} / {ThroughputRun.Percentile(sorted, 0.99):0.0} | {(errors.Count == 0 ? "0" : string.Join(", ", errors.Select(e => $"{e.Key} ×{e.Value}")))} | {100 * serverCpu / seconds:0} % | {serverCpu / millions:0.00} | {pgCpu / millions:0.00} | {100 * clientCpu / seconds:0} % | {100 * other / seconds:0} % | {after.LoadAverage} |"));

            var (d0, d1) = (before.Database, after.Database);
            var perK = 1000.0 / points;
            var partials = d1.PartialsInserted - d0.PartialsInserted;
            _database.Add(string.Create(c,
                $"| {nodes.Count} | {rate:N0} | {(d1.Commits - d0.Commits) / seconds:N0} | {(d1.Commits - d0.Commits) * perK:0.00} · {(d1.Inserted - d0.Inserted) * perK:0.00} · {(d1.Updated - d0.Updated) * perK:0.00} · {(d1.Fetched - d0.Fetched) * perK:0.00} · {(d1.Returned - d0.Returned) * perK:0.00} | {partials / seconds:N0} | {partials / seconds / nodes.Count:N0} | {(d1.RollupsInserted + d1.RollupsUpdated - d0.RollupsInserted - d0.RollupsUpdated) / seconds:N0} | {(d1.RedisCommands is { } r1 && d0.RedisCommands is { } r0 ? ((r1 - r0) / seconds).ToString("N0", c) : "no Redis")} |"));
            await log.WriteLineAsync(string.Create(c, $"ingest with {nodes.Count} node(s): {points:N0} points in {options.Duration.TotalSeconds:0} s; window {seconds:0.0} s between snapshots; metric_partials deleted {d1.PartialsDeleted - d0.PartialsDeleted:N0}")).ConfigureAwait(false);
            return errors.Count == 0;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task<Snapshot> SnapshotAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        var self = Process.GetCurrentProcess();
        var database = await DatabaseStats.ReadAsync(cluster.ConnectionString, options.Redis, cancellationToken).ConfigureAwait(false);
        var server = cluster.Nodes.Aggregate(TimeSpan.Zero, (sum, n) => sum + (n.Stats.TryReadCpuTime() ?? TimeSpan.Zero));
        self.Refresh();
        return new Snapshot(Stopwatch.GetTimestamp(), server, self.TotalProcessorTime, ServerProcess.ReadMachineBusyTime(), database, LoadAverage());
    }

    private async Task<bool> LatencyAsync(LocalCluster cluster, TextWriter log, CancellationToken cancellationToken)
    {
        using var http = AdminApi.Client(cluster.Nodes[0].Url, options.Key);
        var evaluator = await WaitForEvaluatorAsync(http, null, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var target = cluster.Nodes.FirstOrDefault(n => n.Pid != evaluator) ?? cluster.Nodes[0];
        var role = target.Pid == evaluator ? "the evaluator" : "not the evaluator";
        await log.WriteLineAsync($"latency: evaluator pid {evaluator}; points to {target.Url} ({role})").ConfigureAwait(false);
        using var row = new StringWriter(CultureInfo.InvariantCulture);
        var code = await new LatencyRun(options.ForNode(target.Url)).RunAsync(row, log, cancellationToken).ConfigureAwait(false);
        // LatencyRun's row: | episodes | to | background | p50 | p90 | p99 | max | mean | ingest p50 | - | timeouts | duplicates |
        var cells = row.ToString().Trim().Trim('|').Split('|').Select(s => s.Trim()).ToArray();
        _latency.Add(cells.Length >= 12
            ? $"| {cluster.Nodes.Count} | node {target.Index + 1} ({role}) | {cells[0]} | {cells[2]} | {cells[3]} | {cells[4]} | {cells[5]} | {cells[6]} | {cells[7]} | {cells[8]} | {cells[10]} | {cells[11]} |"
            : $"| {cluster.Nodes.Count} | node {target.Index + 1} ({role}) | {row.ToString().Trim()} |");
        return code == 0;
    }

    private async Task<bool> TakeoverAsync(LocalCluster cluster, bool inFlight, TextWriter log, CancellationToken cancellationToken)
    {
        var live = cluster.Nodes.Where(n => !n.Exited).ToList();
        using var first = AdminApi.Client(live[0].Url, options.Key);
        var evaluatorPid = await WaitForEvaluatorAsync(first, null, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var victim = cluster.ByPid(evaluatorPid) ?? throw new InvalidOperationException($"the evaluator (pid {evaluatorPid}) is not one of this run's nodes");
        var survivor = live.First(n => n != victim);
        using var http = AdminApi.Client(survivor.Url, options.Key);
        await using var receiver = await WebhookReceiver.StartAsync(TimeSpan.Zero, "episode", cancellationToken).ConfigureAwait(false);
        var run = Guid.NewGuid().ToString("N")[..8];
        const string Metric = "loadtest_takeover_ms";
        var channelId = await AdminApi.CreateWebhookChannelAsync(http, $"loadtest takeover {run}", receiver.Url, 5, cancellationToken).ConfigureAwait(false);
        var ruleId = await AdminApi.CreateRuleAsync(http, $"loadtest takeover {run}", Metric, new JsonObject(), "episode", [channelId], cancellationToken).ConfigureAwait(false);

        // The rule works before the kill: one alert through the evaluator that is about to die.
        await PostEpisodeAsync(http, Metric, $"{run}-before", cancellationToken).ConfigureAwait(false);
        if (!await receiver.WaitUntilAsync(d => d.Any(x => x.Group == $"{run}-before"), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
        {
            await log.WriteLineAsync("takeover: the alert before the kill never arrived").ConfigureAwait(false);
            return false;
        }

        // Unless the kill is to catch a delivery in flight, wait until the node has stored its outcome.
        while (!inFlight && await PendingDeliveriesAsync(http, channelId, cancellationToken).ConfigureAwait(false) > 0)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        var heartbeat = options.ServerEnvironment.TryGetValue("Vigil__Cluster__HeartbeatInterval", out var beat) ? beat : "00:00:05 (default)";
        await log.WriteLineAsync($"takeover: SIGKILL of the evaluator pid {victim.Pid} ({victim.Url}); watching from {survivor.Url}").ConfigureAwait(false);
        victim.Process.Kill();
        var killed = Stopwatch.GetTimestamp();
        var killedAt = DateTimeOffset.UtcNow;
        var group = $"{run}-after";
        await PostEpisodeAsync(http, Metric, group, cancellationToken).ConfigureAwait(false);
        double? named = null, stale = null, alerted = null, firing = null;
        while (Stopwatch.GetElapsedTime(killed) < TimeSpan.FromSeconds(90) && (named is null || stale is null || alerted is null || firing is null))
        {
            if (firing is null && await FiringSinceAsync(http, ruleId, group, cancellationToken).ConfigureAwait(false) is { } since)
            {
                firing = (since - killedAt).TotalSeconds;
            }

            var (evaluator, victimStale) = await ReadClusterAsync(http, victim.Pid, cancellationToken).ConfigureAwait(false);
            var now = Stopwatch.GetElapsedTime(killed).TotalSeconds;
            if (named is null && evaluator is { } pid && pid != victim.Pid)
            {
                named = now;
            }

            if (stale is null && victimStale)
            {
                stale = now;
            }

            var arrivals = receiver.Deliveries.Where(d => d.Group == group).ToList();
            if (alerted is null && arrivals.Count > 0)
            {
                alerted = Stopwatch.GetElapsedTime(killed, arrivals.Min(d => d.ArrivedAt)).TotalSeconds;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        await AdminApi.DeleteAsync(http, $"/api/v1/alerts/rules/{ruleId}", cancellationToken).ConfigureAwait(false);
        await AdminApi.DeleteAsync(http, $"/api/v1/channels/{channelId}", cancellationToken).ConfigureAwait(false);
        static string Format(double? s) => s is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.00} s") : "not within 90 s";
        _takeover.Add($"| {live.Count} | {heartbeat} | {(inFlight ? "yes" : "no")} | {Format(named)} | {Format(stale)} | {Format(firing)} | {Format(alerted)} |");

        // Back to the count it had, for the next takeover.
        await cluster.AddNodeAsync(options, cancellationToken).ConfigureAwait(false);
        return named is not null && alerted is not null;
    }

    private static async Task<int> PendingDeliveriesAsync(HttpClient http, string channelId, CancellationToken cancellationToken)
    {
        var bytes = await http.GetByteArrayAsync($"/api/v1/deliveries?status=pending&channelId={channelId}", cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.GetArrayLength();
    }

    // The firingSince of the rule's alert for the group, once it fires.
    private static async Task<DateTimeOffset?> FiringSinceAsync(HttpClient http, string ruleId, string group, CancellationToken cancellationToken)
    {
        var bytes = await http.GetByteArrayAsync($"/api/v1/alerts?ruleId={ruleId}", cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(bytes);
        foreach (var alert in document.RootElement.EnumerateArray())
        {
            if (alert.GetProperty("labels").TryGetProperty("episode", out var episode) && episode.GetString() == group
                && alert.TryGetProperty("firingSince", out var since) && since.ValueKind == JsonValueKind.String)
            {
                return since.GetDateTimeOffset();
            }
        }

        return null;
    }

    private static async Task PostEpisodeAsync(HttpClient http, string metric, string group, CancellationToken cancellationToken)
    {
        using var content = new StringContent($$$"""{"points":[{"name":"{{{metric}}}","type":"timing","value":5000,"labels":{"episode":"{{{group}}}"}}]}""", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/v1/metrics", content, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"ingest answered {(int)response.StatusCode}");
        }
    }

    // The pid of the live evaluator GET /api/v1/cluster names (other than `not`), waiting for one.
    private static async Task<int> WaitForEvaluatorAsync(HttpClient http, int? not, TimeSpan patience, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (evaluator, _) = await ReadClusterAsync(http, 0, cancellationToken).ConfigureAwait(false);
            if (evaluator is { } pid && pid != not)
            {
                return pid;
            }

            if (watch.Elapsed > patience)
            {
                throw new InvalidOperationException($"no node named the evaluator within {patience.TotalSeconds:0} s");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    // (the evaluator's pid, whether the node with pid `watched` is stale or gone from the list).
    private static async Task<(int? Evaluator, bool WatchedStale)> ReadClusterAsync(HttpClient http, int watched, CancellationToken cancellationToken)
    {
        var bytes = await http.GetByteArrayAsync("/api/v1/cluster", cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var id = root.GetProperty("evaluator").ValueKind == JsonValueKind.String ? root.GetProperty("evaluator").GetString() : null;
        int? evaluator = null;
        var watchedStale = true;
        foreach (var node in root.GetProperty("nodes").EnumerateArray())
        {
            var pid = node.GetProperty("pid").GetInt32();
            if (node.GetProperty("id").GetString() == id)
            {
                evaluator = pid;
            }

            if (pid == watched && !node.GetProperty("stale").GetBoolean())
            {
                watchedStale = false;
            }
        }

        return (evaluator, watchedStale);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private sealed record Snapshot(long At, TimeSpan ServerCpu, TimeSpan ClientCpu, TimeSpan MachineBusy, DatabaseStats Database, string LoadAverage);
}
