using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Vigil.Core.Metrics;
using Vigil.Performance;
using Vigil.Performance.Analysis;
using Vigil.Performance.Operations;
using Vigil.Storage;
using Vigil.Storage.Metrics;
using Vigil.Storage.Performance;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- analysis [operations=10000] [days=30] [sqlite|postgres|all] [points/s]</c>: issue 13's
/// scale target for the performance analysis (the <c>aggregation</c> schedule's
/// <see cref="OperationAnalysis"/>). Seeds a fresh
/// database (SQLite in a temporary folder; also PostgreSQL, a fresh database dropped afterwards,
/// when VIGIL_TEST_POSTGRES is set) with <c>operations</c> endpoints × <c>days</c> of hourly sums
/// (counts varying by operation and hour, each hour's sketch built from log-normal samples), the
/// first day written through <see cref="OperationRepository.SaveHourAsync"/> and the other days SQL
/// copies of it shifted by whole days (7.2 M single-row upserts through the repository would take
/// most of an hour), plus the 1-minute rollups of the two latest hours. Then times one scheduled
/// run (the hour just completed is summed from the rollups) and a second one an hour later, each
/// with the working set sampled every 20 ms, and measures in-process ingest
/// (<see cref="MetricStore.Ingest(IReadOnlyList{MetricPoint})"/> of 1 000-point timing batches on
/// one thread) over the same span with and without a run going on: as fast as it goes, or paced at
/// a given rate (then each batch's delay from when it was due shows the pauses a run causes), with
/// what the garbage collector did meanwhile (<see cref="GcProfile"/>).
/// </summary>
internal static class AnalysisReport
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;
    private const string Metric = "http_request_duration_ms";
    private static readonly GcProfile Profile = new();

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var operationCount = args is [var n, ..] ? int.Parse(n, CultureInfo.InvariantCulture) : 10_000;
        var days = args is [_, var d, ..] ? int.Parse(d, CultureInfo.InvariantCulture) : 30;
        var only = args is [_, _, var storage, ..] and not [_, _, "all", ..] ? storage : null; // "sqlite" or "postgres": that one alone
        int? pacedRate = args is [_, _, _, var paced, ..] ? int.Parse(paced, CultureInfo.InvariantCulture) : null; // points a second in batches of 1 000; null: as fast as it goes
        if (only is not (null or "sqlite" or "postgres"))
        {
            output.WriteLine($"Unknown storage '{only}': sqlite, postgres or all.");
            return 2;
        }

        var gc = GC.GetConfigurationVariables();
        output.WriteLine($"Performance analysis: {operationCount:N0} operations × {days} days of hourly sums, {Environment.ProcessorCount} cores; " +
            $"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, dynamic adaptation {gc.GetValueOrDefault("GCDynamicAdaptationMode")} " +
            "(the server runs server GC with adaptation 0: DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0 to match)" +
            (pacedRate is { } rate ? $"; ingest paced at {rate:N0} points/s" : "; ingest as fast as it goes"));
        output.WriteLine();
        output.WriteLine("| storage | seed (s) | hourly sums | run | seconds | CPU seconds | result | peak working set (MB) | allocated (MB) | GC pauses (ms) | collections (gen 0/1/2) | ingest points/s alone | ingest points/s during the run |");
        output.WriteLine("|---|---:|---:|---|---:|---:|---|---:|---:|---:|---|---:|---:|");

        if (only is not "postgres")
        {
            var folder = Directory.CreateTempSubdirectory("vigil-analysis-bench-").FullName;
            try
            {
                var sqlite = new StorageOptions { Provider = StorageProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "bench.db")}" };
                await RunOneAsync("SQLite", sqlite, operationCount, days, pacedRate, output);
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(folder, recursive: true);
            }
        }

        if (only is not "sqlite" && Environment.GetEnvironmentVariable("VIGIL_TEST_POSTGRES") is { Length: > 0 } admin)
        {
            var name = "vigil_analysis_bench_" + Guid.NewGuid().ToString("N")[..12];
            await AdminAsync(admin, $"CREATE DATABASE {name}");
            try
            {
                var options = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString() };
                await RunOneAsync("PostgreSQL", options, operationCount, days, pacedRate, output);
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await AdminAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
        }

        return 0;
    }

    private static async Task RunOneAsync(string storage, StorageOptions storageOptions, int operationCount, int days, int? pacedRate, TextWriter output)
    {
        await using var database = new Database(storageOptions);
        var clock = new BenchClock();
        await new Migrator(database).MigrateAsync(0);

        // Hour-aligned: the hours before `latest` are stored sums, `latest` and the hour after it are rollups only.
        var latest = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / HourMs * HourMs) - (2 * HourMs);
        var seed = Stopwatch.StartNew();
        var rows = await SeedAsync(database, clock, operationCount, days, latest);
        seed.Stop();

        var settings = new PerformanceOptions();
        var catalog = new OperationCatalog(settings.Sources);
        var operations = new OperationRepository(database);
        var rollups = new RollupRepository(database, clock);
        var analysis = new OperationAnalysis(rollups, operations, new RegressionRepository(database), catalog,
            new FixedOptions(settings), clock, NullLogger<OperationAnalysis>.Instance);

        var ingestRate = MeasureIngest(TimeSpan.FromSeconds(3), () => Task.CompletedTask, pacedRate);
        var label = $"| {storage} | {seed.Elapsed.TotalSeconds:0} | {rows:N0} |";
        output.WriteLine($"<!-- load average before the runs: {File.ReadAllText("/proc/loadavg").Trim()} -->");
        foreach (var (run, at) in new[] { ("first", latest + HourMs), ("an hour later", latest + (2 * HourMs)), ("again, late points in the hour before", latest + (2 * HourMs)) })
        {
            clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(at + (5 * 60_000)); // the :05 of the next hour, past the flush margin
            if (run.StartsWith("again", StringComparison.Ordinal))
            {
                await WriteLateAsync(rollups, operationCount / 100, latest + HourMs); // 1 % of the operations: the whole hour is summed again
            }

            GC.Collect();
            var baseline = Environment.WorkingSet;
            var peak = baseline;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Environment.WorkingSet);
                    await Task.Delay(20).ConfigureAwait(false);
                }
            });
            string? result = null;
            var gc = GcCounts.Now();
            Profile.Start();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var timer = Stopwatch.StartNew();
            var during = MeasureIngest(null, async () => result = await analysis.RunAsync(CancellationToken.None), pacedRate);
            timer.Stop();
            var runCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu - during.CpuTime;
            var collected = GcCounts.Now() - gc;
            Profile.Stop();
            await sampling.CancelAsync();
            await sampler;
            var alone = MeasureIngest(timer.Elapsed, () => Task.CompletedTask, pacedRate);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label} {run} | {timer.Elapsed.TotalSeconds:0.00} | {runCpu.TotalSeconds:0.00} | {result} | {peak / 1_048_576.0:N0} | {collected.AllocatedBytes / 1_048_576.0:N0} | {collected.Pauses.TotalMilliseconds:N0} | {collected.Gen0}/{collected.Gen1}/{collected.Gen2} | {alone} | {during} |"));
            label = "| | | |";
            Profile.Report(output);
            output.Flush();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<!-- {storage}: ingest alone over 3 s: {ingestRate} points/s -->"));
    }

    /// <summary>
    /// Ingests 1 000-point batches of timings into a fresh <see cref="MetricStore"/> on one thread while
    /// <paramref name="work"/> runs (or for <paramref name="span"/>) and returns the rate: as fast as it
    /// goes, or a batch each time one is due at <paramref name="pacedRate"/> points a second, each
    /// batch's delay counted from when it was due (a batch held up by a pause is late, and so are
    /// those queued behind it).
    /// </summary>
    private static IngestRate MeasureIngest(TimeSpan? span, Func<Task> work, int? pacedRate)
    {
        var store = new MetricStore(new MetricsOptions(), TimeProvider.System);
        var labels = Enumerable.Range(0, 1000).Select(i => LabelSet.From([new("route", $"/ingest/{i}"), new("method", "GET"), new("status", "200")])).ToArray();
        var random = new Random(7);
        var points = new MetricPoint[1000];
        long ingested = 0;
        var cpu = TimeSpan.Zero;
        var delays = new List<double>();
        var every = pacedRate is { } rate ? Stopwatch.Frequency * points.Length / rate : 0;
        using var stop = new CancellationTokenSource();
        var ingest = Task.Factory.StartNew(() =>
        {
            var started = ThreadCpu();
            var due = Stopwatch.GetTimestamp();
            while (!stop.IsCancellationRequested)
            {
                if (every > 0)
                {
                    while (Stopwatch.GetTimestamp() < due && !stop.IsCancellationRequested)
                    {
                        Thread.Sleep(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due).TotalMilliseconds > 2 ? 1 : 0);
                    }
                }

                var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                for (var i = 0; i < points.Length; i++)
                {
                    points[i] = new MetricPoint("bench_ingest_ms", MetricType.Timing, 5 + (random.NextDouble() * 100), labels[i], nowMs);
                }

                store.Ingest(points);
                ingested += points.Length;
                if (every > 0)
                {
                    delays.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
                    due += every;
                }
            }

            cpu = ThreadCpu() - started;
        }, TaskCreationOptions.LongRunning);
        var timer = Stopwatch.StartNew();
        if (span is { } wait)
        {
            Thread.Sleep(wait);
        }
        else
        {
            work().GetAwaiter().GetResult();
        }

        stop.Cancel();
        timer.Stop();
        ingest.GetAwaiter().GetResult();
        delays.Sort();
        return new IngestRate(ingested / timer.Elapsed.TotalSeconds, cpu, delays.Count == 0 ? null : (Percentile(delays, 0.5), Percentile(delays, 0.99), delays[^1]));
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    /// <summary>CPU time of the calling thread (Linux: /proc/thread-self/stat, utime + stime in clock ticks of 10 ms).</summary>
    private static TimeSpan ThreadCpu()
    {
        var fields = File.ReadAllText("/proc/thread-self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return TimeSpan.FromMilliseconds(10 * (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)));
    }

    /// <summary>Seeds the hourly sums of [latest − days, latest) and the rollups of the two hours from <paramref name="latest"/>; returns the hourly sums stored.</summary>
    private static async Task<long> SeedAsync(Database database, BenchClock clock, int operationCount, int days, long latest)
    {
        var random = new Random(13);
        var catalog = new OperationCatalog(new PerformanceOptions().Sources);
        var operations = new OperationRepository(database);
        var keys = new OperationKey[operationCount];
        var labels = new LabelSet[operationCount];
        var traffic = new double[operationCount]; // executions per hour, log-uniform from 1 to 2 000
        var medianMs = new double[operationCount];
        for (var i = 0; i < operationCount; i++)
        {
            labels[i] = LabelSet.From([new("route", $"/api/resource{i}/{{id}}"), new("method", i % 4 == 0 ? "POST" : "GET"), new("status", "200")]);
            keys[i] = catalog.KeyOf(Metric, labels[i])!;
            traffic[i] = Math.Exp(random.NextDouble() * Math.Log(2000));
            medianMs[i] = Math.Exp(1 + (random.NextDouble() * 5)); // 3 ms .. 400 ms
        }

        // The newest stored day through the repository, hour by hour as the analysis writes them.
        var firstDay = latest - DayMs;
        var accumulator = new WindowAccumulator();
        for (var hourMs = firstDay; hourMs < latest; hourMs += HourMs)
        {
            var found = new List<StoredOperation>(operationCount);
            var hours = new List<StoredOperationHour>(operationCount);
            var daily = 1 + (0.6 * Math.Sin(2 * Math.PI * (hourMs % DayMs) / DayMs)); // a daily cycle
            for (var i = 0; i < operationCount; i++)
            {
                var count = Poisson(random, traffic[i] * daily);
                if (count == 0)
                {
                    continue;
                }

                accumulator.Reset();
                var errors = 0;
                for (var e = 0; e < count; e++)
                {
                    var ms = LogNormal(random, medianMs[i], 0.6);
                    accumulator.AddStats(1, ms, ms, ms, ms, hourMs, isError: false);
                    accumulator.AddBin(SketchMapping.Code(ms), 1);
                    errors += random.NextDouble() < 0.01 ? 1 : 0;
                }

                found.Add(new StoredOperation(keys[i].Id, keys[i].Kind, Metric, keys[i].Service, keys[i].Name, keys[i].LabelsJson, hourMs - ((days - 1) * DayMs), hourMs + HourMs));
                hours.Add(new StoredOperationHour(keys[i].Id, hourMs, count, errors, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.PackedBins()));
            }

            await operations.SaveHourAsync(found, hours, hourMs + HourMs);
        }

        // The older days: copies of that day, a whole number of days earlier.
        for (var day = 1; day < days; day++)
        {
            await ExecuteAsync(database, string.Create(CultureInfo.InvariantCulture,
                $"INSERT INTO operation_hours (operation_id, hour_ms, count, errors, sum, min, max, bins) SELECT operation_id, hour_ms - {day * DayMs}, count, errors, sum, min, max, bins FROM operation_hours WHERE hour_ms >= {firstDay} AND hour_ms < {latest}"));
        }

        // The rollups of the two hours from `latest`: one series per operation, a rollup in each minute with executions.
        var rollups = new RollupRepository(database, clock); // each hour's written before it ends: on time
        var ids = await rollups.EnsureSeriesAsync([.. labels.Select(l => (LabelSet.SeriesKey(Metric, l), Metric, MetricType.Timing))], latest);
        for (var hourMs = latest; hourMs < latest + (2 * HourMs); hourMs += HourMs)
        {
            clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(hourMs + HourMs - 1);
            var batch = new List<StoredRollup>();
            for (var i = 0; i < operationCount; i++)
            {
                var executions = Poisson(random, traffic[i]);
                var perMinute = new int[60];
                for (var e = 0; e < executions; e++)
                {
                    perMinute[random.Next(60)]++;
                }

                for (var minute = 0; minute < 60; minute++)
                {
                    if (perMinute[minute] == 0)
                    {
                        continue;
                    }

                    accumulator.Reset();
                    for (var e = 0; e < perMinute[minute]; e++)
                    {
                        var ms = LogNormal(random, medianMs[i], 0.6);
                        accumulator.AddStats(1, ms, ms, ms, ms, hourMs, isError: false);
                        accumulator.AddBin(SketchMapping.Code(ms), 1);
                    }

                    var minuteMs = hourMs + (minute * 60_000);
                    batch.Add(new StoredRollup(ids[LabelSet.SeriesKey(Metric, labels[i])],
                        new Rollup(minuteMs, accumulator.Count, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.Max, 30_000, accumulator.PackedBins())));
                }

                if (batch.Count >= 20_000)
                {
                    await rollups.UpsertAsync(batch);
                    batch.Clear();
                }
            }

            await rollups.UpsertAsync(batch);
        }

        return Convert.ToInt64(await ExecuteAsync(database, "SELECT COUNT(*) FROM operation_hours", scalar: true), CultureInfo.InvariantCulture);
    }

    /// <summary>Writes a late rollup (minute :30) of the hour from <paramref name="hourMs"/> for the first <paramref name="count"/> operations' series.</summary>
    private static async Task WriteLateAsync(RollupRepository rollups, int count, long hourMs)
    {
        var series = await rollups.SeriesOfMetricAsync(Metric);
        var minuteMs = hourMs + (30 * 60_000);
        var point = new WindowAccumulator();
        point.AddStats(1, 50, 50, 50, 50, minuteMs, isError: false);
        point.AddBin(SketchMapping.Code(50), 1);
        var late = series.Take(count).Select(s => new StoredRollup(s.Id, new Rollup(minuteMs, 1, 50, 50, 50, 50, 0, point.PackedBins())));
        await rollups.MergeAsync([.. late]);
    }

    private static async Task<object?> ExecuteAsync(Database database, string sql, bool scalar = false)
    {
        await using var connection = await database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        return scalar ? await command.ExecuteScalarAsync() : await command.ExecuteNonQueryAsync();
    }

    private static double LogNormal(Random random, double median, double sigma)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return median * Math.Exp(sigma * normal);
    }

    private static int Poisson(Random random, double mean)
    {
        if (mean > 30)
        {
            var u1 = 1.0 - random.NextDouble();
            var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * normal)));
        }

        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
        {
            k++;
        }

        return k;
    }

    private static async Task AdminAsync(string admin, string sql)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <param name="Delays">Paced: the batches' delays from when each was due, median, p99 and max (ms).</param>
    private readonly record struct IngestRate(double PointsPerSecond, TimeSpan CpuTime, (double P50, double P99, double Max)? Delays)
    {
        public override string ToString() => Delays is { } d
            ? string.Create(CultureInfo.InvariantCulture, $"{PointsPerSecond:N0} (late p50 {d.P50:0.00} ms, p99 {d.P99:0.0} ms, max {d.Max:0} ms)")
            : PointsPerSecond.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>The process' garbage collections so far, the ingest thread's included (paced, it allocates little; as fast as it goes, its batches' arrays are a large share).</summary>
    private readonly record struct GcCounts(long AllocatedBytes, TimeSpan Pauses, int Gen0, int Gen1, int Gen2)
    {
        public static GcCounts Now() => new(GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

        public static GcCounts operator -(GcCounts after, GcCounts before) =>
            new(after.AllocatedBytes - before.AllocatedBytes, after.Pauses - before.Pauses, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2);
    }

    private sealed class BenchClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FixedOptions(PerformanceOptions value) : IOptionsMonitor<PerformanceOptions>
    {
        public PerformanceOptions CurrentValue => value;

        public PerformanceOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PerformanceOptions, string?> listener) => null;
    }
}
