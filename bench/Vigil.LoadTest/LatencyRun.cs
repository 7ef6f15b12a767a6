using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>
/// <c>--mode latency</c>: alert latency from the ingest call that makes a rule's condition true
/// to the notification intent being visible in <c>GET /api/v1/notifications</c>. Creates a
/// static rule (<c>max(loadtest_alert_latency_ms) &gt; 1000</c> over 1 minute, grouped by
/// <c>episode</c>, <c>forSeconds</c> 0), then per episode posts one point of 5000 for a new
/// <c>episode</c> label (a new group, so a new alert), and polls the feed every
/// <c>--poll</c> until an intent for a new alert appears; the latency runs from the ingest
/// call returning to the poll that saw the intent returning. Episodes start at a random
/// moment (uniform over 0–1.2 s after the previous one), so they fall anywhere in the
/// server's evaluation tick. Optional background ingest at <c>--background-rate</c> points/s.
/// </summary>
internal sealed class LatencyRun(LoadTestOptions options)
{
    private const string Metric = "loadtest_alert_latency_ms";
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        using var background = new IngestClient(options.Url, options.Key, Math.Max(1, options.Concurrency));
        var (healthy, detail) = await background.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        if (!healthy)
        {
            await log.WriteLineAsync($"The server is not answering: {detail}").ConfigureAwait(false);
            return 2;
        }

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 4 }) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);

        var run = Guid.NewGuid().ToString("N")[..8];
        await using var receiver = options.WebhookReceiver ? await WebhookReceiver.StartAsync(TimeSpan.Zero, "episode", cancellationToken).ConfigureAwait(false) : null;
        var channelId = receiver is null ? null : await AdminApi.CreateWebhookChannelAsync(http, $"loadtest alert latency {run}", receiver.Url, 5, cancellationToken).ConfigureAwait(false);
        var ruleId = channelId is null
            ? await CreateRuleAsync(http, run, cancellationToken).ConfigureAwait(false)
            : await AdminApi.CreateRuleAsync(http, $"loadtest alert latency {run}", Metric, new JsonObject(), "episode", [channelId], cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync(receiver is null
            ? $"rule {ruleId} created; {options.Episodes} episodes, polling every {options.Poll.TotalMilliseconds:0} ms, background {options.BackgroundRate:N0} points/s"
            : $"rule {ruleId} created with a webhook channel to {receiver.Url}; {options.Episodes} episodes, background {options.BackgroundRate:N0} points/s").ConfigureAwait(false);

        using var stopBackground = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var backgroundTask = options.BackgroundRate > 0 ? RunBackgroundAsync(background, stopBackground.Token) : Task.FromResult((0L, 0L));
        if (options.BackgroundRate > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false); // let the load settle
        }

        var lastId = await NewestIntentIdAsync(http, cancellationToken).ConfigureAwait(false);
        var random = new Random(options.Seed);
        var latencies = new List<double>();
        var ingestMs = new List<double>();
        var polls = new List<int>();
        var mismatches = 0;
        var timeouts = 0;
        for (var episode = 0; episode < options.Episodes; episode++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1200)), cancellationToken).ConfigureAwait(false);
            var group = $"{run}-{episode:D4}";
            var body = Encoding.UTF8.GetBytes($$$"""{"points":[{"name":"{{{Metric}}}","type":"timing","value":5000,"labels":{"episode":"{{{group}}}"}}]}""");
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            var sent = Stopwatch.GetTimestamp();
            using (var response = await http.PostAsync("/api/v1/metrics", content, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    await log.WriteLineAsync($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}").ConfigureAwait(false);
                    return 1;
                }
            }

            var ingested = Stopwatch.GetTimestamp();
            ingestMs.Add(Stopwatch.GetElapsedTime(sent, ingested).TotalMilliseconds);

            if (receiver is not null)
            {
                // The receiver stamps each arrival itself: no poll interval in the figure.
                var arrived = await receiver.WaitUntilAsync(d => d.Any(x => x.Group == group && x.Status == "firing"), TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                if (!arrived)
                {
                    timeouts++;
                    continue;
                }

                var first = receiver.Deliveries.Where(x => x.Group == group && x.Status == "firing").Min(x => x.ArrivedAt);
                latencies.Add(Stopwatch.GetElapsedTime(ingested, first).TotalMilliseconds);
                polls.Add(0);
                continue;
            }

            string? alertId = null;
            var pollCount = 0;
            while (alertId is null)
            {
                if (Stopwatch.GetElapsedTime(ingested) > TimeSpan.FromSeconds(10))
                {
                    break;
                }

                pollCount++;
                foreach (var (id, alert, kind) in await IntentsAsync(http, cancellationToken).ConfigureAwait(false))
                {
                    if (id > lastId && kind == "firing")
                    {
                        lastId = Math.Max(lastId, id);
                        alertId = alert;
                    }
                }

                if (alertId is null)
                {
                    await Task.Delay(options.Poll, cancellationToken).ConfigureAwait(false);
                }
            }

            if (alertId is null)
            {
                timeouts++;
                continue;
            }

            latencies.Add(Stopwatch.GetElapsedTime(ingested).TotalMilliseconds);
            polls.Add(pollCount);
            // Off the clock: the intent must be for this episode's group.
            if (!await AlertIsForGroupAsync(http, alertId, group, cancellationToken).ConfigureAwait(false))
            {
                mismatches++;
            }
        }

        await stopBackground.CancelAsync().ConfigureAwait(false);
        var (backgroundPoints, backgroundErrors) = await backgroundTask.ConfigureAwait(false);
        await DeleteRuleAsync(http, ruleId, cancellationToken).ConfigureAwait(false);
        if (channelId is not null)
        {
            await AdminApi.DeleteAsync(http, $"/api/v1/channels/{channelId}", cancellationToken).ConfigureAwait(false);
            // Every episode once: a second delivery of an alert would be a duplicate.
            mismatches += receiver!.Deliveries.Count - receiver.Deliveries.Select(d => d.WebhookId).Distinct().Count();
        }

        latencies.Sort();
        var culture = CultureInfo.InvariantCulture;
        if (options.Header)
        {
            await output.WriteLineAsync(receiver is null
                ? "| episodes | poll ms | background points/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | ingest call p50 ms | polls/episode | timeouts | wrong group |"
                : "| episodes | to | background points/s | p50 ms | p90 ms | p99 ms | max ms | mean ms | ingest call p50 ms | - | timeouts | duplicates |").ConfigureAwait(false);
            await output.WriteLineAsync("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        }

        if (latencies.Count == 0)
        {
            await output.WriteLineAsync($"| {options.Episodes} | no intent seen ({timeouts} timeouts) |").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync(string.Create(culture,
            $"| {latencies.Count} | {(receiver is null ? options.Poll.TotalMilliseconds.ToString("0", culture) : "webhook")} | {(options.BackgroundRate > 0 ? $"{options.BackgroundRate:N0} ({backgroundPoints:N0} sent, {backgroundErrors} errors)" : "0")} | {Percentile(latencies, 0.50):0} | {Percentile(latencies, 0.90):0} | {Percentile(latencies, 0.99):0} | {latencies[^1]:0} | {latencies.Average():0} | {Percentile([.. ingestMs.Order()], 0.5):0.0} | {polls.Average():0} | {timeouts} | {mismatches} |")).ConfigureAwait(false);
        if (options.Raw)
        {
            await log.WriteLineAsync("latencies ms: " + string.Join(' ', latencies.Select(l => l.ToString("0", culture)))).ConfigureAwait(false);
        }

        return timeouts > 0 || mismatches > 0 ? 1 : 0;
    }

    // Nearest rank.
    private static double Percentile(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private async Task<string> CreateRuleAsync(HttpClient http, string run, CancellationToken cancellationToken)
    {
        var rule = new JsonObject
        {
            ["name"] = $"loadtest alert latency {run}",
            ["metric"] = Metric,
            ["match"] = new JsonObject(),
            ["groupBy"] = new JsonArray("episode"),
            ["aggregation"] = "max",
            ["windowMinutes"] = 1,
            ["minDataPoints"] = 1,
            ["thresholdType"] = "static",
            ["threshold"] = 1000,
            ["comparison"] = "greater_than",
            ["forSeconds"] = 0,
            ["severity"] = "critical",
            ["cooldownMinutes"] = 0,
            ["channels"] = new JsonArray(),
            ["enabled"] = true,
        };
        using var content = new StringContent(rule.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/api/v1/alerts/rules", content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/alerts/rules answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }

    private static async Task DeleteRuleAsync(HttpClient http, string ruleId, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync($"/api/v1/alerts/rules/{Uri.EscapeDataString(ruleId)}", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> NewestIntentIdAsync(HttpClient http, CancellationToken cancellationToken)
    {
        long newest = 0;
        foreach (var (id, _, _) in await IntentsAsync(http, cancellationToken).ConfigureAwait(false))
        {
            newest = Math.Max(newest, id);
        }

        return newest;
    }

    // The newest 20 entries of the feed: (id, alertId, kind).
    private static async Task<List<(long Id, string AlertId, string Kind)>> IntentsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var bytes = await http.GetByteArrayAsync("/api/v1/notifications?limit=20", cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(bytes);
        var entries = new List<(long, string, string)>();
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            entries.Add((entry.GetProperty("id").GetInt64(), entry.GetProperty("alertId").GetString()!, entry.GetProperty("kind").GetString()!));
        }

        return entries;
    }

    private static async Task<bool> AlertIsForGroupAsync(HttpClient http, string alertId, string group, CancellationToken cancellationToken)
    {
        var bytes = await http.GetByteArrayAsync($"/api/v1/alerts/{Uri.EscapeDataString(alertId)}", cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.TryGetProperty("labels", out var labels) && labels.TryGetProperty("episode", out var episode) && episode.GetString() == group;
    }

    // Batches of --batch timing points on another metric, paced to --background-rate points/s.
    private async Task<(long Points, long Errors)> RunBackgroundAsync(IngestClient client, CancellationToken cancellationToken)
    {
        var values = new ValueSource("timing", options.Seed);
        var bodies = Enumerable.Range(0, 8).Select(i => Payloads.Build(Payloads.MetricName, "timing", i * options.Batch, options.Batch, options.Series, values, DateTimeOffset.UtcNow)).ToArray();
        var interval = TimeSpan.FromSeconds(options.Batch / (double)options.BackgroundRate);
        var workers = Math.Max(1, options.Concurrency);
        long points = 0, errors = 0;
        var started = Stopwatch.GetTimestamp();
        async Task Worker(int w)
        {
            for (long n = w; !cancellationToken.IsCancellationRequested; n += workers)
            {
                var due = started + (long)(n * interval.TotalSeconds * Stopwatch.Frequency);
                var wait = TimeSpan.FromSeconds((due - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                try
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }

                    var body = bodies[n % bodies.Length];
                    Payloads.Restamp(body, DateTimeOffset.UtcNow);
                    var result = await client.PostAsync(body.Bytes, cancellationToken).ConfigureAwait(false);
                    if (result.Status == (int)HttpStatusCode.Accepted)
                    {
                        Interlocked.Add(ref points, result.Accepted);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(Worker)).ConfigureAwait(false);
        return (points, errors);
    }
}
