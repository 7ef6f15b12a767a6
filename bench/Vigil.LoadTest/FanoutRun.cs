using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>
/// <c>--mode fanout</c>: delivery fan-out against slow receivers (SPEC §5: within 10 % of the ideal
/// <c>N × latency / concurrency</c>). Starts <c>--channels</c> loopback receivers that hold every
/// request for <c>--receiver-delay</c>, one webhook channel each with <c>maxConcurrency</c>
/// <c>--max-concurrency</c>, and one rule per channel (<c>max(metric{shard=k}) &gt; 1000</c>,
/// <c>groupBy: ["id"]</c>, critical, firing at once). Then one ingest call with
/// <c>--deliveries</c> points of 5000, each with its own <c>id</c> and <c>shard = i % channels</c>:
/// that many new alerts, one delivery each. Times from sending the ingest call to the receivers
/// answering the last delivery, and checks that every alert arrived, how many arrived twice
/// (same <c>webhook-id</c>), and the most requests a receiver held at once.
/// </summary>
internal sealed class FanoutRun(LoadTestOptions options)
{
    private const string GroupLabel = "id";
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        using var http = AdminApi.Client(options);
        var run = Guid.NewGuid().ToString("N")[..8];
        var metric = $"loadtest_fanout_{run}";
        var channels = options.Channels;
        var receivers = new List<WebhookReceiver>();
        var channelIds = new List<string>();
        var ruleIds = new List<string>();
        WebhookReceiver? warmReceiver = null;
        try
        {
            for (var k = 0; k < channels; k++)
            {
                var receiver = await WebhookReceiver.StartAsync(options.ReceiverDelay, GroupLabel, cancellationToken).ConfigureAwait(false);
                receivers.Add(receiver);
                channelIds.Add(await AdminApi.CreateWebhookChannelAsync(http, $"loadtest fanout {run} #{k}", receiver.Url, options.MaxConcurrency, cancellationToken).ConfigureAwait(false));
                ruleIds.Add(await AdminApi.CreateRuleAsync(http, $"loadtest fanout {run} #{k}", metric, new JsonObject { ["shard"] = k.ToString(CultureInfo.InvariantCulture) }, GroupLabel, [channelIds[k]], cancellationToken).ConfigureAwait(false));
            }

            // Warm-up off the clock (JIT, connection pools, the job tables) through a channel of its own, in rounds, each
            // followed by a wait until the server's CPU settles. With tiered compilation a hot method is JIT-compiled
            // three times (tier 0, instrumented, optimized), each promotion after 30 calls once no new tier-0 method has
            // been compiled for 100 ms: one round leaves the hot paths instrumented, and their tier-1 compilations then
            // took 60 % of the server's CPU during the measured burst (perf). Three rounds (the default) reach the steady
            // state of a server that has been running; the CPU time per delivery of each round shows it.
            var server = options.Pid is { } pid ? new ServerProcess(pid) : null;
            var warm = options.WarmupDeliveries;
            warmReceiver = await WebhookReceiver.StartAsync(TimeSpan.Zero, GroupLabel, cancellationToken).ConfigureAwait(false);
            var warmChannel = await AdminApi.CreateWebhookChannelAsync(http, $"loadtest fanout {run} warm-up", warmReceiver.Url, 10, cancellationToken).ConfigureAwait(false);
            channelIds.Add(warmChannel);
            ruleIds.Add(await AdminApi.CreateRuleAsync(http, $"loadtest fanout {run} warm-up", metric + "_warmup", new JsonObject(), GroupLabel, [warmChannel], cancellationToken).ConfigureAwait(false));
            for (var round = 1; round <= options.WarmupRounds; round++)
            {
                var cpuBefore = server?.TryReadCpuTime();
                await IngestAsync(http, Body(metric + "_warmup", $"{run}w{round}", warm, 1), cancellationToken).ConfigureAwait(false);
                var want = warm * round;
                if (!await warmReceiver.WaitUntilAsync(d => d.Count >= want, TimeSpan.FromSeconds(Math.Max(30, warm / 10.0)), cancellationToken).ConfigureAwait(false))
                {
                    await log.WriteLineAsync($"warm-up round {round}: only {warmReceiver.Deliveries.Count - (want - warm)} of {warm} deliveries arrived").ConfigureAwait(false);
                    return 1;
                }

                string settle;
                if (server is null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    settle = "no --pid: waited 1 s";
                }
                else
                {
                    settle = await SettleAsync(server, cancellationToken).ConfigureAwait(false) is { } busy
                        ? string.Create(CultureInfo.InvariantCulture, $"server CPU settled to {busy:0} % of a core")
                        : "server CPU did not settle under 5 % of a core within 30 s";
                    if (cpuBefore is { } roundStart && server.TryReadCpuTime() is { } roundEnd)
                    {
                        settle += string.Create(CultureInfo.InvariantCulture, $", {(roundEnd - roundStart).TotalMilliseconds / warm:0.00} ms of server CPU per delivery");
                    }
                }

                await log.WriteLineAsync($"warm-up round {round}: {warm} deliveries; {settle}").ConfigureAwait(false);
            }

            var n = options.Deliveries;
            var expected = Enumerable.Range(0, channels).Select(k => (n / channels) + (k < n % channels ? 1 : 0)).ToArray();
            var ideal = n * options.ReceiverDelay.TotalSeconds / (channels * options.MaxConcurrency);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {n} deliveries over {channels} channel(s), maxConcurrency {options.MaxConcurrency}, receivers hold {options.ReceiverDelay.TotalMilliseconds:0} ms; ideal {ideal:0.00} s")).ConfigureAwait(false);

            var body = Body(metric, run, n, channels);
            var cpu0 = server?.TryReadCpuTime();
            var started = Stopwatch.GetTimestamp();
            await IngestAsync(http, body, cancellationToken).ConfigureAwait(false);
            var ingestMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var limit = TimeSpan.FromSeconds(Math.Max(60, ideal * 10));
            var complete = true;
            for (var k = 0; k < channels; k++)
            {
                var want = expected[k];
                complete &= await receivers[k].WaitUntilAsync(d => d.Count >= want && d.Select(x => x.Group).Distinct().Count() >= want, limit - Stopwatch.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            }

            var cpu1 = server?.TryReadCpuTime();
            var done = Stopwatch.GetTimestamp();

            // Late duplicates (a retry of something already delivered) would come after the last first arrival.
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);

            var all = receivers.SelectMany(r => r.Deliveries).ToList();
            var firsts = all.GroupBy(d => d.WebhookId).Select(g => g.MinBy(d => d.AnsweredAt)).ToList();
            var groups = all.Where(d => d.Group is not null && d.Group.StartsWith(run + "-", StringComparison.Ordinal)).Select(d => d.Group).Distinct().Count();
            var duplicates = all.Count - firsts.Count;
            var lastAnswer = firsts.Max(d => d.AnsweredAt);
            var lastArrival = firsts.Max(d => d.ArrivedAt);
            var firstArrival = all.Min(d => d.ArrivedAt);
            var hold = all.Average(d => Stopwatch.GetElapsedTime(d.ArrivedAt, d.AnsweredAt).TotalMilliseconds);
            double Seconds(long to) => Stopwatch.GetElapsedTime(started, to).TotalSeconds;
            var elapsed = Seconds(lastAnswer);
            var overhead = (elapsed - ideal) / ideal * 100;
            // Slots in use between the first arrival and the last answer: channels × maxConcurrency when the pipeline never leaves one idle.
            var meanInFlight = all.Sum(d => Stopwatch.GetElapsedTime(d.ArrivedAt, d.AnsweredAt).TotalSeconds) / Stopwatch.GetElapsedTime(firstArrival, lastAnswer).TotalSeconds;
            // Slot refill: the j-th answer of a receiver frees a slot that the (j + maxConcurrency)-th arrival takes
            // (never earlier, as a receiver never holds more than maxConcurrency): the time between them is the
            // pipeline's own time per delivery (outcome stored, next job claimed or taken from the hold, payload built, sent).
            var refills = new List<double>();
            foreach (var receiver in receivers)
            {
                var arrivals = receiver.Deliveries.Select(d => d.ArrivedAt).Order().ToArray();
                var answers = receiver.Deliveries.Select(d => d.AnsweredAt).Order().ToArray();
                for (var j = 0; j + options.MaxConcurrency < arrivals.Length; j++)
                {
                    refills.Add(Stopwatch.GetElapsedTime(answers[j], arrivals[j + options.MaxConcurrency]).TotalMilliseconds);
                }
            }

            // Where slots sat idle: mean in flight per quarter second from the ingest call (to the log).
            var timeline = new double[(int)Math.Ceiling(elapsed / 0.25)];
            foreach (var d in all)
            {
                var from = Seconds(d.ArrivedAt);
                var to = Seconds(d.AnsweredAt);
                for (var b = (int)(from / 0.25); b < timeline.Length && b * 0.25 < to; b++)
                {
                    timeline[b] += (Math.Min(to, (b + 1) * 0.25) - Math.Max(from, b * 0.25)) / 0.25;
                }
            }

            await log.WriteLineAsync("in flight per 250 ms: " + string.Join(' ', timeline.Select(x => x.ToString("0.0", CultureInfo.InvariantCulture)))).ConfigureAwait(false);
            refills.Sort();
            string Refill(double q) => refills.Count == 0 ? "-" : refills[Math.Clamp((int)Math.Ceiling(q * refills.Count) - 1, 0, refills.Count - 1)].ToString("0.0", CultureInfo.InvariantCulture);
            var maxInFlight = string.Join(" / ", receivers.Select(r => r.MaxInFlight.ToString(CultureInfo.InvariantCulture)));
            var serverCpu = cpu0 is { } c0 && cpu1 is { } c1 ? $"{(c1 - c0).TotalSeconds / Stopwatch.GetElapsedTime(started, done).TotalSeconds * 100:0} %" : "-";

            if (options.Header)
            {
                await output.WriteLineAsync("| deliveries | channels × maxConcurrency | receiver hold ms (mean) | ideal s | elapsed s (ingest → last answer) | overhead | last arrival s | first arrival s | ingest call ms | mean in flight (all receivers) | slot refill ms p50 / p90 / p99 / max | max in flight per receiver | duplicates | missing | server CPU |").ConfigureAwait(false);
                await output.WriteLineAsync("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|").ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {channels} × {options.MaxConcurrency} | {options.ReceiverDelay.TotalMilliseconds:0} ({hold:0.0}) | {ideal:0.00} | {elapsed:0.00} | {overhead:+0.0;-0.0} % | {Seconds(lastArrival):0.00} | {Seconds(firstArrival):0.000} | {ingestMs:0} | {meanInFlight:0.0} | {Refill(0.5)} / {Refill(0.9)} / {Refill(0.99)} / {Refill(1)} | {maxInFlight} | {duplicates} | {n - groups} | {serverCpu} |")).ConfigureAwait(false);
            if (!complete)
            {
                await log.WriteLineAsync($"not every delivery arrived within {limit.TotalSeconds:0} s").ConfigureAwait(false);
            }

            var overLimit = receivers.Any(r => r.MaxInFlight > options.MaxConcurrency);
            return complete && !overLimit ? 0 : 1;
        }
        finally
        {
            foreach (var id in ruleIds)
            {
                await AdminApi.DeleteAsync(http, $"/api/v1/alerts/rules/{id}", CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var id in channelIds)
            {
                await AdminApi.DeleteAsync(http, $"/api/v1/channels/{id}", CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync().ConfigureAwait(false);
            }

            if (warmReceiver is not null)
            {
                await warmReceiver.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Waits until the server uses under 5 % of a core over a 500 ms window (at most 30 s); answers that share, or null.
    private static async Task<double?> SettleAsync(ServerProcess server, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromMilliseconds(500);
        var deadline = Stopwatch.GetTimestamp() + (long)(30 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && server.TryReadCpuTime() is { } before)
        {
            await Task.Delay(window, cancellationToken).ConfigureAwait(false);
            if (server.TryReadCpuTime() is not { } after)
            {
                break;
            }

            var share = (after - before) / window * 100;
            if (share < 5)
            {
                return share;
            }
        }

        return null;
    }

    // n points of 5000 (above the rules' 1000), point i with id "{run}-{i}" and shard i % shards.
    private static byte[] Body(string metric, string run, int n, int shards)
    {
        var builder = new StringBuilder("{\"points\":[");
        for (var i = 0; i < n; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $$$"""{{{(i > 0 ? "," : "")}}}{"name":"{{{metric}}}","type":"gauge","value":5000,"labels":{"shard":"{{{i % shards}}}","id":"{{{run}}}-{{{i:D5}}}"}}""");
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }

    private static async Task IngestAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync("/api/v1/metrics", content, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/v1/metrics answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }
}
