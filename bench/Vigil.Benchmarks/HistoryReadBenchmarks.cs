using BenchmarkDotNet.Attributes;
using Dapper;
using Vigil.Core.Metrics;
using Vigil.Storage;
using Vigil.Storage.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// A metric's history as a rule's warm-up or backtest reads it (<see cref="RollupRepository.ReadMetricAsync(string, long, long, bool, CancellationToken)"/>)
/// from a SQLite file: 12 timing series × 2 days of 1-minute rollups with their sketch bins
/// (34 560 rows; a week's backtest of the detection corpus reads 715 000), through the SQLite
/// library directly (<see cref="Row"/>, what the repository does) against the same
/// query through Microsoft.Data.Sqlite's data reader, column by column (what it did before).
/// </summary>
[MemoryDiagnoser]
public class HistoryReadBenchmarks
{
    private const string Metric = "http_request_duration_ms";
    private const long Minute = 60_000;
    private const int Series = 12;
    private const int Minutes = 2 * 1440;
    private const long Start = 1_790_000_000_000 - (1_790_000_000_000 % Minute);
    private const long End = Start + (Minutes * Minute);

    private string _folder = null!;
    private Database _database = null!;
    private RollupRepository _rollups = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("vigil-history-bench-").FullName;
        _database = new Database(new StorageOptions { ConnectionString = $"Data Source={Path.Combine(_folder, "vigil.db")}" });
        new Migrator(_database).MigrateAsync(Start).GetAwaiter().GetResult();
        _rollups = new RollupRepository(_database);
        var ids = _rollups.EnsureSeriesAsync([.. Enumerable.Range(0, Series).Select(i => ($"{Metric}{{service=\"s{i}\"}}", Metric, MetricType.Timing))], Start).GetAwaiter().GetResult();
        var random = new Random(42);
        var rows = new List<StoredRollup>();
        foreach (var id in ids.Values)
        {
            for (var m = 0; m < Minutes; m++)
            {
                // About 100 requests a minute, log-normal around 90 ms: 30-40 distinct sketch bins.
                var accumulator = new WindowAccumulator();
                var values = Enumerable.Range(0, 100).Select(_ => 90 * Math.Exp(0.45 * Normal(random))).ToArray();
                foreach (var value in values)
                {
                    accumulator.AddBin(SketchMapping.Code(value), 1);
                }

                rows.Add(new StoredRollup(id, new Rollup(Start + (m * Minute), values.Length, values.Sum(), values.Min(), values.Max(), values[^1], 59_000, accumulator.PackBins())));
            }
        }

        _rollups.UpsertAsync(rows).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _database.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Microsoft.Data.Sqlite data reader, column by column")]
    public async Task<long> AdoNet()
    {
        await using var connection = await _database.OpenAsync();
        await using var reader = await connection.ExecuteReaderAsync(
            "SELECT r.series_id, r.minute_ms, r.count, r.sum, r.min, r.max, r.last, r.last_offset_ms, r.bins FROM rollups_1m r "
            + "WHERE r.series_id IN (SELECT id FROM series WHERE name = @name) AND r.minute_ms >= @fromMs AND r.minute_ms < @toMs ORDER BY r.series_id, r.minute_ms",
            new { name = Metric, fromMs = Start, toMs = End });
        var row = new Row.ReaderRow(reader);
        var rows = new List<StoredRollup>();
        while (await reader.ReadAsync())
        {
            rows.Add(new StoredRollup(row.Int64(0), RollupRepository.ReadRollup(row, 1)));
        }

        return rows.Sum(r => r.Rollup.Count);
    }

    [Benchmark(Description = "RollupRepository.ReadMetricAsync (the SQLite library directly)")]
    public async Task<long> Repository() =>
        (await _rollups.ReadMetricAsync(Metric, Start, End, withBins: true)).Sum(r => r.Rollup.Count);

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
