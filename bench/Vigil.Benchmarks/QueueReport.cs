using System.Diagnostics;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- queue [--postgres CONNECTION] [--jobs 20000] [--workers 20] [--batch 500] [--hangfire-jobs 3000]</c>:
/// throughput of no-op jobs through <see cref="JobQueue"/> and the processor on PostgreSQL and
/// SQLite, and Hangfire 1.8 with Hangfire.PostgreSql on the same PostgreSQL and worker count as
/// the baseline. Each run gets a fresh database. The PostgreSQL connection comes from
/// <c>--postgres</c> or VIGIL_BENCH_POSTGRES (without one, only SQLite runs).
/// </summary>
internal static class QueueReport
{
    private const string NoopType = "noop";

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var postgres = Argument(args, "--postgres") ?? Environment.GetEnvironmentVariable("VIGIL_BENCH_POSTGRES");
        var jobs = int.Parse(Argument(args, "--jobs") ?? "20000", System.Globalization.CultureInfo.InvariantCulture);
        var workers = int.Parse(Argument(args, "--workers") ?? "20", System.Globalization.CultureInfo.InvariantCulture);
        var batch = int.Parse(Argument(args, "--batch") ?? "500", System.Globalization.CultureInfo.InvariantCulture);
        var hangfireJobs = int.Parse(Argument(args, "--hangfire-jobs") ?? "3000", System.Globalization.CultureInfo.InvariantCulture);

        output.WriteLine($"{jobs} no-op jobs, enqueued in batches of {batch}, {workers} workers, {Environment.ProcessorCount} cores");
        output.WriteLine();
        output.WriteLine("| queue | storage | jobs | enqueue (jobs/s) | processing (jobs/s) | end to end (jobs/s) |");
        output.WriteLine("|---|---|---:|---:|---:|---:|");
        if (postgres is not null)
        {
            await using var database = await FreshPostgresAsync(postgres);
            output.WriteLine(Row("Vigil.Jobs", "PostgreSQL", jobs, await RunVigilAsync(database.Options, jobs, workers, batch)));
        }

        var folder = Directory.CreateTempSubdirectory("vigil-queue-bench-").FullName;
        try
        {
            var sqlite = new StorageOptions { Provider = StorageProvider.Sqlite, ConnectionString = $"Data Source={Path.Combine(folder, "bench.db")}" };
            output.WriteLine(Row("Vigil.Jobs", "SQLite", jobs, await RunVigilAsync(sqlite, jobs, workers, batch)));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        if (postgres is not null && hangfireJobs > 0)
        {
            await using var database = await FreshPostgresAsync(postgres);
            output.WriteLine(Row("Hangfire 1.8 (baseline)", "PostgreSQL", hangfireJobs, RunHangfire(database.Options.ConnectionString!, hangfireJobs, workers)));
        }

        return 0;
    }

    private static async Task<Result> RunVigilAsync(StorageOptions storage, int jobs, int workers, int batch)
    {
        await using var database = new Database(storage);
        await new Migrator(database, [JobQueue.Migrations]).MigrateAsync(0);
        var options = new JobsOptions { MaxConcurrency = workers, MaintenanceEnabled = false };
        options.Types[NoopType] = new JobTypeOptions { Concurrency = workers };
        var signal = new JobSignal();
        var queue = new JobQueue(database, options, TimeProvider.System, signal);

        var enqueue = Stopwatch.StartNew();
        for (var i = 0; i < jobs; i += batch)
        {
            var count = Math.Min(batch, jobs - i);
            await queue.EnqueueAsync([.. Enumerable.Range(i, count).Select(n => new JobRequest(NoopType, "{}", IdempotencyKey: $"bench-{n}"))]);
        }

        enqueue.Stop();

        var handler = new NoopHandler();
        using var processor = new JobProcessor(queue, [handler], Options.Create(options), TimeProvider.System, NullLogger<JobProcessor>.Instance);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        processor.OutcomesStored += () =>
        {
            if (processor.Stored >= jobs)
            {
                done.TrySetResult();
            }
        };
        var process = Stopwatch.StartNew();
        await processor.StartAsync(default);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        process.Stop();
        await processor.StopAsync(default);

        var counts = await queue.CountsAsync();
        if (counts.Succeeded != jobs || handler.Runs != jobs)
        {
            throw new InvalidOperationException($"Expected {jobs} jobs run once and succeeded; ran {handler.Runs}, counts {counts}.");
        }

        return new Result(enqueue.Elapsed, process.Elapsed);
    }

    private static Result RunHangfire(string connectionString, int jobs, int workers)
    {
        var storage = new PostgreSqlStorage(
            new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connectionString, new PostgreSqlStorageOptions()),
            new PostgreSqlStorageOptions { QueuePollInterval = TimeSpan.FromMilliseconds(100), PrepareSchemaIfNecessary = true });
        var client = new BackgroundJobClient(storage);

        var enqueue = Stopwatch.StartNew();
        for (var i = 0; i < jobs; i++)
        {
            client.Enqueue(() => HangfireNoop.Run());
        }

        enqueue.Stop();

        var process = Stopwatch.StartNew();
        using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers }, storage))
        {
            var monitoring = storage.GetMonitoringApi();
            while (monitoring.SucceededListCount() < jobs)
            {
                Thread.Sleep(50);
                if (process.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException("Hangfire did not finish in 10 minutes.");
                }
            }

            process.Stop();
        }

        return new Result(enqueue.Elapsed, process.Elapsed);
    }

    private static string Row(string queue, string storage, int jobs, Result result) =>
        $"| {queue} | {storage} | {jobs:N0} | {jobs / result.Enqueue.TotalSeconds:N0} | {jobs / result.Processing.TotalSeconds:N0} | {jobs / (result.Enqueue + result.Processing).TotalSeconds:N0} |";

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static async Task<FreshDatabase> FreshPostgresAsync(string admin)
    {
        var name = "vigil_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new FreshDatabase(admin, name, new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = builder.ToString() });
    }

    private readonly record struct Result(TimeSpan Enqueue, TimeSpan Processing);

    private sealed class FreshDatabase(string admin, string name, StorageOptions options) : IAsyncDisposable
    {
        public StorageOptions Options { get; } = options;

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private sealed class NoopHandler : IJobHandler
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string Type => NoopType;

        public ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return ValueTask.FromResult(JobOutcome.Succeeded);
        }
    }
}

/// <summary>The job Hangfire runs: nothing, as the queue benchmark's no-op.</summary>
public static class HangfireNoop
{
    /// <summary>Does nothing.</summary>
    public static void Run()
    {
    }
}
