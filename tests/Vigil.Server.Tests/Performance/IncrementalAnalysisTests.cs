using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;
using Vigil.Performance;
using Vigil.Performance.Analysis;
using Vigil.Performance.Operations;
using Vigil.Storage;
using Vigil.Storage.Metrics;
using Vigil.Storage.Performance;
using Vigil.Testing;

namespace Vigil.Server.Tests.Performance;

/// <summary>
/// Issue 13's scale work: a run recomputes only what changed (the hour-of-week baselines of the
/// hours just summed, the windows from stored rolling days), and that gives the same baselines and
/// summaries as one run from scratch over the same hourly sums. The hourly sums are stored through
/// the repository as the analysis' own summing stores them (the summing itself is covered by
/// <see cref="OperationsTests"/>).
/// </summary>
public abstract class IncrementalAnalysisTests(StorageProvider provider) : IAsyncLifetime
{
    private const long HourMs = 3_600_000;
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a Monday

    private readonly List<TestDatabase> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task HourlyRunsForSixteenDays_WithLatePointsAndMissedRuns_SameBaselinesAndSummariesAsOneRunFromScratch()
    {
        // Arrange: three operations (steady; silent for three days in the middle; first seen on day 5).
        // Each hour's sums are stored an hour late, so every run sums the hour before again with new
        // points, as late points make it; the runs of 30 hours on day 9 are missed.
        await using var incremental = await OpenAsync();
        await using var scratch = await OpenAsync();
        var time = new FakeTimeProvider(Start);
        var analysis = Analysis(incremental, time);
        var endMs = Start.AddDays(16).ToUnixTimeMilliseconds();
        var missedFromMs = Start.AddDays(9).ToUnixTimeMilliseconds();
        var runs = 0;
        for (var toMs = Start.ToUnixTimeMilliseconds() + (2 * HourMs); toMs <= endMs; toMs += HourMs)
        {
            await SaveHourAsync(incremental, toMs - (2 * HourMs));
            if (toMs >= missedFromMs && toMs < missedFromMs + (30 * HourMs))
            {
                continue;
            }

            time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(toMs + (5 * 60_000)));
            Assert.NotNull(await analysis.RunAsync(CancellationToken.None));
            runs++;
        }

        for (var hourMs = Start.ToUnixTimeMilliseconds(); hourMs < endMs - HourMs; hourMs += HourMs)
        {
            await SaveHourAsync(scratch, hourMs);
        }

        // Act: one run from scratch at the time of the last incremental run; the incremental analysis run again for the same time.
        var fromScratch = await Analysis(scratch, time).RunAsync(CancellationToken.None);
        var repeated = await analysis.RunAsync(CancellationToken.None);

        // Assert: equal baselines (but for when each was computed: a slot not summed keeps its time) and summaries.
        Assert.Equal(16 * 24 - 1 - 30, runs);
        Assert.NotNull(fromScratch);
        Assert.Null(repeated); // nothing new: the same due time does nothing
        var expected = await BaselinesAsync(scratch);
        var actual = await BaselinesAsync(incremental);
        Assert.Contains(expected, b => b.Slot == -1);
        Assert.True(expected.Count(b => b.Slot >= 0) > 100, $"{expected.Count(b => b.Slot >= 0)} hour-of-week baselines");
        Assert.Equal(expected, actual);
        var expectedSummaries = (await new OperationRepository(scratch).ListAsync()).Select(o => (o.Id, o.Summary)).ToArray();
        Assert.All(expectedSummaries, s => Assert.Contains("\"trend7d\"", s.Summary, StringComparison.Ordinal));
        Assert.Equal(expectedSummaries, (await new OperationRepository(incremental).ListAsync()).Select(o => (o.Id, o.Summary)).ToArray());
    }

    private static async Task<StoredBaseline[]> BaselinesAsync(Database database) =>
        [.. (await new OperationRepository(database).BaselinesAsync()).Select(b => b with { ComputedAtMs = 0 })];

    private async Task<Database> OpenAsync()
    {
        var test = await TestDatabase.CreateAsync(provider);
        _databases.Add(test);
        var database = new Database(test.Options);
        await new Migrator(database).MigrateAsync(0);
        return database;
    }

    private static OperationAnalysis Analysis(Database database, TimeProvider time)
    {
        var settings = new PerformanceOptions();
        return new OperationAnalysis(new RollupRepository(database), new OperationRepository(database), new RegressionRepository(database),
            new OperationCatalog(settings.Sources), new FixedOptions(settings), time, NullLogger<OperationAnalysis>.Instance);
    }

    /// <summary>Stores the sums of hour <paramref name="hourMs"/> of the operations with executions in it (deterministic, so both databases get the same).</summary>
    private static async Task SaveHourAsync(Database database, long hourMs)
    {
        var catalog = new OperationCatalog(new PerformanceOptions().Sources);
        var day = (hourMs - Start.ToUnixTimeMilliseconds()) / (24 * HourMs);
        var operations = new List<StoredOperation>();
        var hours = new List<StoredOperationHour>();
        foreach (var (route, active) in new (string Route, bool Active)[] { ("/steady", true), ("/gaps", day is < 6 or > 8), ("/young", day >= 5) })
        {
            if (!active)
            {
                continue;
            }

            var key = catalog.KeyOf("http_request_duration_ms", LabelSet.From([new("route", route), new("method", "GET")]))!;
            var random = new Random(HashCode.Combine(route.Length, hourMs));
            var accumulator = new WindowAccumulator();
            var count = 3 + random.Next(20);
            var errors = random.Next(3);
            for (var i = 0; i < count; i++)
            {
                var ms = 20 * Math.Exp(random.NextDouble() * 2) * (1 + (hourMs / HourMs % 24 / 24.0));
                accumulator.AddStats(1, ms, ms, ms, ms, hourMs, isError: false);
                accumulator.AddBin(SketchMapping.Code(ms), 1);
            }

            operations.Add(new StoredOperation(key.Id, key.Kind, key.Metric, key.Service, key.Name, key.LabelsJson, hourMs, hourMs + HourMs));
            hours.Add(new StoredOperationHour(key.Id, hourMs, count, errors, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.PackedBins()));
        }

        await new OperationRepository(database).SaveHourAsync(operations, hours, hourMs + HourMs);
    }

    private sealed class FixedOptions(PerformanceOptions value) : IOptionsMonitor<PerformanceOptions>
    {
        public PerformanceOptions CurrentValue => value;

        public PerformanceOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<PerformanceOptions, string?> listener) => null;
    }
}

public sealed class SqliteIncrementalAnalysisTests() : IncrementalAnalysisTests(StorageProvider.Sqlite);

public sealed class PostgresIncrementalAnalysisTests() : IncrementalAnalysisTests(StorageProvider.Postgres);
