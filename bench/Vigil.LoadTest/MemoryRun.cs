using System.Diagnostics;
using System.Globalization;

namespace Vigil.LoadTest;

/// <summary>
/// <c>--mode memory</c>: sends one hour of data for <c>--series</c> series as fast as the
/// server takes it — for each of 360 ten-second buckets from now − 60 min, one point per
/// series — and reports the server's resident memory growth per series. A short warm-up on
/// another metric name first pays for JIT, connection and buffer set-up, so they are not
/// charged to the series.
/// </summary>
internal sealed class MemoryRun(LoadTestOptions options)
{
    public const int Buckets = 360;
    private const int WarmupBatches = 50;
    private static readonly TimeSpan BucketWidth = TimeSpan.FromSeconds(10);

    // Sending 720 000 points takes seconds; this bounds the whole run whatever happens.
    private static readonly TimeSpan HardLimit = TimeSpan.FromMinutes(15);

    public async Task<int> RunAsync(TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        if (options.Pid is not { } pid)
        {
            await log.WriteLineAsync("--mode memory needs --pid <server pid> to read its VmRSS.").ConfigureAwait(false);
            return 2;
        }

        var server = new ServerProcess(pid);
        using var client = new IngestClient(options.Url, options.Key, options.Concurrency);
        var (healthy, detail) = await client.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        if (!healthy)
        {
            await log.WriteLineAsync($"The server is not answering: {detail}").ConfigureAwait(false);
            return 2;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(HardLimit);
        var token = limit.Token;
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);

        // Warm-up: same batch size and type on 10 series of another name, stamped now.
        var warmValues = new ValueSource(options.Type, options.Seed - 1);
        for (var i = 0; i < WarmupBatches; i++)
        {
            var body = Payloads.Build("loadtest_warmup_" + options.Type, options.Type, i * options.Batch, options.Batch, 10, warmValues, DateTimeOffset.UtcNow);
            Count(errors, await client.PostAsync(body.Bytes, token).ConfigureAwait(false), body.Points);
        }

        await Task.Delay(TimeSpan.FromSeconds(2), token).ConfigureAwait(false);
        var rssBefore = server.ReadRssBytes();

        var from = DateTimeOffset.UtcNow - TimeSpan.FromHours(1);
        from = from.AddTicks(-(from.UtcTicks % BucketWidth.Ticks));
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sending {Buckets} buckets × {options.Series} {options.Type} series from {from:HH:mm:ss}Z (RSS before {ServerProcess.FormatBytes(rssBefore)})")).ConfigureAwait(false);

        var values = new ValueSource(options.Type, options.Seed);
        var batchesPerBucket = (options.Series + options.Batch - 1) / options.Batch;
        long accepted = 0;
        var started = Stopwatch.GetTimestamp();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = token };
        for (var bucket = 0; bucket < Buckets; bucket++)
        {
            // One bucket at a time: each series then receives its points in time order, as a live sender's would.
            var stamp = from + (bucket * BucketWidth);
            var bodies = new RequestBody[batchesPerBucket];
            for (var b = 0; b < bodies.Length; b++)
            {
                var first = b * options.Batch;
                bodies[b] = Payloads.Build(Payloads.MetricNameFor(options.Type), options.Type, first, Math.Min(options.Batch, options.Series - first), options.Series, values, stamp);
            }

            await Parallel.ForEachAsync(bodies, parallel, async (body, ct) =>
            {
                var result = await client.PostAsync(body.Bytes, ct).ConfigureAwait(false);
                lock (errors)
                {
                    accepted += result.Accepted;
                    Count(errors, result, body.Points);
                }
            }).ConfigureAwait(false);
        }

        var sendSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var rssSent = server.ReadRssBytes();
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"sent in {sendSeconds:0.0} s; RSS {ServerProcess.FormatBytes(rssSent)}; settling {options.Settle.TotalSeconds:0} s (rollup flush every 10 s)")).ConfigureAwait(false);
        await Task.Delay(options.Settle, token).ConfigureAwait(false);
        var rssSettled = server.ReadRssBytes();

        var perSeries = (rssSettled - rssBefore) / options.Series;
        var target = options.Type == "timing" ? 16 * 1024 : 2 * 1024;
        if (options.Header)
        {
            await output.WriteLineAsync("| type | series | points accepted | send time | RSS before | RSS after send | RSS after settle | growth / series | target |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {options.Type} | {options.Series} | {accepted:N0} | {sendSeconds:0.0} s | {ServerProcess.FormatBytes(rssBefore)} | {ServerProcess.FormatBytes(rssSent)} | {ServerProcess.FormatBytes(rssSettled)} | {ServerProcess.FormatBytes(perSeries)} ({perSeries:N0} B) | ≤ {ServerProcess.FormatBytes(target)} |")).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            await log.WriteLineAsync("errors: " + string.Join(", ", errors.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} ×{e.Value}")))).ConfigureAwait(false);
        }

        return errors.Count == 0 ? 0 : 1;
    }

    private static void Count(Dictionary<string, long> errors, IngestResult result, int sent)
    {
        if (result.Status == 202 && result.Accepted == sent)
        {
            return;
        }

        var kind = result.Status == 202 ? "202 short" : result.ErrorKind;
        errors[kind] = errors.GetValueOrDefault(kind) + 1;
    }
}
