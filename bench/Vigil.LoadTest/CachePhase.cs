using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>
/// The cluster mode's <c>cache</c> phase: 20 rules and 5 channels, then <c>--concurrency</c>
/// viewers each loading a page every second for <c>--duration</c>, round robin over the nodes —
/// a page being the reads a browser makes at once: the rules, the channels, the metric summary,
/// the open alerts, the notification feed — while an admin edits a rule every 10 s (an
/// invalidation on every node). Reports each read's latency and the cache's hits and misses over
/// the window (the sum of every node's <c>cache</c> in <c>/api/health/advanced</c>; the API-key
/// lookups of every request count too). Run it once with the cache and once with
/// <c>--server-env Vigil__Cache__Enabled=false</c>.
/// </summary>
internal static class CachePhase
{
    private static readonly string[] Page = ["/api/v1/alerts/rules", "/api/v1/channels", "/api/v1/metrics", "/api/v1/alerts", "/api/v1/notifications?limit=20"];

    public static async Task<List<string>> RunAsync(LocalCluster cluster, LoadTestOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var clients = cluster.Nodes.Select(n => AdminApi.Client(n.Url, options.Key, 32)).ToArray();
        try
        {
            var admin = clients[0];
            var channels = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                channels.Add(await AdminApi.CreateWebhookChannelAsync(admin, $"cache bench {i}", new Uri($"http://127.0.0.1:9/hook{i}"), 5, cancellationToken).ConfigureAwait(false));
            }

            var rules = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                rules.Add(await AdminApi.CreateRuleAsync(admin, $"cache bench {i}", $"cache_bench_{i}", new JsonObject(), "service", [channels[i % channels.Count]], cancellationToken).ConfigureAwait(false));
            }

            var enabled = !options.ServerEnvironment.TryGetValue("Vigil__Cache__Enabled", out var flag) || !string.Equals(flag, "false", StringComparison.OrdinalIgnoreCase);
            await log.WriteLineAsync($"cache: 20 rules, 5 channels; {options.Concurrency} viewers × 1 page/s for {options.Duration.TotalSeconds:0} s after {options.Warmup.TotalSeconds:0} s, a rule edit every 10 s; cache {(enabled ? "on" : "off")}").ConfigureAwait(false);
            var latencies = Page.ToDictionary(p => p, _ => new List<double>(), StringComparer.Ordinal);
            var errors = 0;
            var started = Stopwatch.GetTimestamp();
            var from = started + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
            var to = from + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
            long pageNumber = 0;

            async Task Viewer(int v)
            {
                for (var n = 0; Stopwatch.GetTimestamp() < to; n++)
                {
                    var due = started + (long)((n + (v / (double)options.Concurrency)) * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }

                    var http = clients[Interlocked.Increment(ref pageNumber) % clients.Length];
                    var reads = await Task.WhenAll(Page.Select(async path =>
                    {
                        var sent = Stopwatch.GetTimestamp();
                        using var response = await http.GetAsync(path, cancellationToken).ConfigureAwait(false);
                        await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                        return (path, Stopwatch.GetElapsedTime(sent).TotalMilliseconds, response.IsSuccessStatusCode);
                    })).ConfigureAwait(false);
                    var now = Stopwatch.GetTimestamp();
                    lock (latencies)
                    {
                        foreach (var (path, ms, ok) in reads)
                        {
                            if (now >= from && now < to)
                            {
                                latencies[path].Add(ms);
                            }

                            errors += ok ? 0 : 1;
                        }
                    }
                }
            }

            async Task Editor()
            {
                for (var n = 1; Stopwatch.GetTimestamp() < to; n++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                    using var content = new StringContent($$"""{"threshold":{{1000 + n}}}""", Encoding.UTF8, "application/json");
                    using var response = await clients[n % clients.Length].PatchAsync($"/api/v1/alerts/rules/{rules[n % rules.Count]}", content, cancellationToken).ConfigureAwait(false);
                    errors += response.IsSuccessStatusCode ? 0 : 1;
                }
            }

            var work = Enumerable.Range(0, options.Concurrency).Select(Viewer).Append(Editor()).ToArray();
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from), cancellationToken).ConfigureAwait(false);
            var before = await CacheCountsAsync(clients, cancellationToken).ConfigureAwait(false);
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to), cancellationToken).ConfigureAwait(false);
            var after = await CacheCountsAsync(clients, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(work).ConfigureAwait(false);

            var hits = after.Hits - before.Hits;
            var misses = after.Misses - before.Misses;
            var c = CultureInfo.InvariantCulture;
            var rows = new List<string>();
            foreach (var path in Page)
            {
                var sorted = latencies[path].Order().ToArray();
                rows.Add(string.Create(c,
                    $"| {cluster.Nodes.Count} | {(enabled ? "on" : "off")} | `{path}` | {sorted.Length} | {ThroughputRun.Percentile(sorted, 0.5):0.0} | {ThroughputRun.Percentile(sorted, 0.9):0.0} | {ThroughputRun.Percentile(sorted, 0.99):0.0} | {(hits + misses > 0 ? $"{hits:N0} hits, {misses:N0} misses: {100.0 * hits / (hits + misses):0.0} %" : "no lookups")} | {errors} |"));
            }

            return rows;
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    // The sum of every node's cache hits and misses.
    private static async Task<(long Hits, long Misses)> CacheCountsAsync(HttpClient[] clients, CancellationToken cancellationToken)
    {
        long hits = 0, misses = 0;
        foreach (var http in clients)
        {
            var bytes = await http.GetByteArrayAsync("/api/health/advanced", cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(bytes);
            if (Find(document.RootElement) is { } cache)
            {
                hits += cache.GetProperty("hits").GetInt64();
                misses += cache.GetProperty("misses").GetInt64();
            }
        }

        return (hits, misses);
    }

    // The first object named "cache" holding "hits", anywhere in the document.
    private static JsonElement? Find(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "cache" && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("hits", out _))
                {
                    return property.Value;
                }

                if (Find(property.Value) is { } found)
                {
                    return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (Find(item) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
