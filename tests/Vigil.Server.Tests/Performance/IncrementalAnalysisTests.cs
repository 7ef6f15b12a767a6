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
/// Issue 13's scale work: a run sums only the hours completed since the last one and those whose
/// rollups were written late, recomputes only what changed (the hour-of-week baselines of the hours
/// summed, the windows from stored blocks and days), and that gives the same baselines and summaries
/// as one run from scratch over the same rollups.
/// </summary>
public abstract class IncrementalAnalysisTests(StorageProvider provider) : IAsyncLifetime
{
    private const long HourMs = 3_600_000;
    private const string Metric = "http_request_duration_ms";
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
    public async Task HourlyRunsForSixteenDays_WithLatePointsBackfillAndMissedRuns_SameBaselinesAndSummariesAsOneRunFromScratch()
    {
        // Arrange: three operations (steady; silent for three days in the middle; first seen on day 5).
        // Each hour's rollups are written in two parts: minute 10 during the hour, minute 40 an hour
        // late (just before the next run); once a day a point for 30 hours before is backfilled; the
        // runs of 30 hours on day 9 are missed.
        await using var incremental = await OpenAsync();
        await using var scratch = await OpenAsync();
        var time = new FakeTimeProvider(Start);
        var writes = new Writes(new RollupRepository(incremental, time));
        var analysis = Analysis(incremental, time);
        var startMs = Start.ToUnixTimeMilliseconds();
        var endMs = Start.AddDays(16).ToUnixTimeMilliseconds();
        var missedFromMs = Start.AddDays(9).ToUnixTimeMilliseconds();
        var runs = 0;
        var resummed = 0;
        var done = new List<(long HourMs, int Part)> { (startMs, 0) };
        time.SetUtcNow(Start.AddMinutes(50));
        await writes.WriteAsync(startMs, 0);
        for (var toMs = startMs + (2 * HourMs); toMs <= endMs; toMs += HourMs)
        {
            time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(toMs - HourMs + (50 * 60_000)));
            await writes.WriteAsync(toMs - HourMs, 0);
            time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(toMs + (5 * 60_000)));
            await writes.WriteAsync(toMs - (2 * HourMs), 1);
            done.AddRange([(toMs - HourMs, 0), (toMs - (2 * HourMs), 1)]);
            if ((toMs - startMs) % (24 * HourMs) == 12 * HourMs && toMs - (30 * HourMs) >= startMs)
            {
                await writes.WriteAsync(toMs - (30 * HourMs), 2);
                done.Add((toMs - (30 * HourMs), 2));
            }

            if (toMs >= missedFromMs && toMs < missedFromMs + (30 * HourMs))
            {
                continue;
            }

            var result = await analysis.RunAsync(CancellationToken.None);
            Assert.NotNull(result);
            resummed += result.Contains("(0 again", StringComparison.Ordinal) ? 0 : 1;
            runs++;
        }

        var scratchWrites = new Writes(new RollupRepository(scratch, time));
        foreach (var (hourMs, part) in done)
        {
            await scratchWrites.WriteAsync(hourMs, part);
        }

        // Act: one run from scratch at the time of the last incremental run; the incremental analysis run again for the same time.
        var fromScratch = await Analysis(scratch, time).RunAsync(CancellationToken.None);
        var repeated = await analysis.RunAsync(CancellationToken.None);

        // Assert: equal baselines (but for when each was computed: a slot not summed keeps its time) and summaries.
        Assert.Equal(16 * 24 - 1 - 30, runs);
        Assert.Equal(runs - 1, resummed); // every run but the first summed an hour again: the late part of the hour before, written after it was summed
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
        Assert.Equal(await HoursAsync(scratch), await HoursAsync(incremental));
    }

    private static async Task<StoredBaseline[]> BaselinesAsync(Database database) =>
        [.. (await new OperationRepository(database).BaselinesAsync()).Select(b => b with { ComputedAtMs = 0 })];

    private static async Task<string[]> HoursAsync(Database database) =>
        [.. (await new OperationRepository(database).HoursAsync(0, long.MaxValue)).Select(h => $"{h.OperationId} {h.HourMs} {h.Count} {h.Errors} {h.Sum} {string.Join(',', h.Bins ?? [])}")];

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
        return new OperationAnalysis(new RollupRepository(database, time), new OperationRepository(database), new RegressionRepository(database),
            new OperationCatalog(settings.Sources), new FixedOptions(settings), time, NullLogger<OperationAnalysis>.Instance);
    }

    /// <summary>Writes the rollups of the operations with executions in an hour, one part of it at a time (deterministic, so both databases get the same).</summary>
    private sealed class Writes(RollupRepository rollups)
    {
        private static readonly (string Route, string Status)[] Series = [.. new[] { "/steady", "/gaps", "/young" }.SelectMany(r => new[] { (r, "200"), (r, "500") })];

        private IReadOnlyDictionary<string, long>? _ids;

        /// <summary>Part 0 at minute 10, part 1 at minute 40, part 2 (backfill) at minute 50 of the hour.</summary>
        public async Task WriteAsync(long hourMs, int part)
        {
            _ids ??= await rollups.EnsureSeriesAsync([.. Series.Select(s => (Key(s.Route, s.Status), Metric, MetricType.Timing))], hourMs);
            var day = (hourMs - Start.ToUnixTimeMilliseconds()) / (24 * HourMs);
            var minuteMs = hourMs + ((part switch { 0 => 10, 1 => 40, _ => 50 }) * 60_000);
            var written = new List<StoredRollup>();
            foreach (var (route, status) in Series)
            {
                if ((route == "/gaps" && day is >= 6 and <= 8) || (route == "/young" && day < 5))
                {
                    continue;
                }

                var random = new Random((int)(hourMs / HourMs % 100_000 * 31) + (route.Length * 7) + (part * 3) + status.Length + (status == "500" ? 1 : 0));
                var count = status == "500" ? random.Next(3) : 2 + random.Next(10);
                if (count == 0)
                {
                    continue;
                }

                var accumulator = new WindowAccumulator();
                for (var i = 0; i < count; i++)
                {
                    var ms = 20 * Math.Exp(random.NextDouble() * 2) * (1 + (hourMs / HourMs % 24 / 24.0));
                    accumulator.AddStats(1, ms, ms, ms, ms, minuteMs, isError: false);
                    accumulator.AddBin(SketchMapping.Code(ms), 1);
                }

                written.Add(new StoredRollup(_ids[Key(route, status)],
                    new Rollup(minuteMs, accumulator.Count, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.Max, 0, accumulator.PackedBins())));
            }

            await rollups.MergeAsync(written);
        }

        private static string Key(string route, string status) => LabelSet.SeriesKey(Metric, LabelSet.From([new("route", route), new("method", "GET"), new("status", status)]));
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
