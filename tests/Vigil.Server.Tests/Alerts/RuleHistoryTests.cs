using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Storage;
using Vigil.Storage.Metrics;
using Vigil.Testing;

namespace Vigil.Server.Tests.Alerts;

/// <summary>
/// The stored history replayed a day at a time (<see cref="RuleHistory.AdvanceAsync"/>), on both
/// storage providers: reading each day ahead while the day before is replayed changes nothing the
/// replay finds, and a replay that fails stops the day read ahead before the failure is reported.
/// </summary>
public abstract class RuleHistoryTests(StorageProvider provider) : IAsyncLifetime
{
    private const string Metric = "http_request_duration_ms";
    private const long MinuteMs = 60_000;
    private static readonly long StartMs = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly string[] Services = ["checkout", "search", "cart"];

    private TestDatabase? _test;
    private RollupRepository _rollups = null!;

    public async Task InitializeAsync()
    {
        _test = await TestDatabase.CreateAsync(provider);
        var database = new Database(_test.Options);
        await new Migrator(database).MigrateAsync(0);
        _rollups = new RollupRepository(database);

        // Four days of three services, 20 requests a minute around 100 ms; on the fourth day each
        // service is slow (300 ms) for an hour, at a different hour.
        var keys = Services.ToDictionary(s => s, s => LabelSet.SeriesKey(Metric, LabelSet.From([new("service", s), new("status", "200")])));
        var ids = await _rollups.EnsureSeriesAsync([.. keys.Values.Select(k => (k, Metric, MetricType.Timing))], StartMs);
        var rollups = new List<StoredRollup>();
        for (var m = 0; m < 4 * 1440; m++)
        {
            for (var s = 0; s < Services.Length; s++)
            {
                var slow = m >= (3 * 1440) + (s * 180) + 600 && m < (3 * 1440) + (s * 180) + 660;
                var ms = slow ? 300.0 : 90 + (m % 7 * 3);
                rollups.Add(new StoredRollup(ids[keys[Services[s]]], new Rollup(StartMs + (m * MinuteMs), 20, 20 * ms, ms, ms, ms, 59_000, [SketchMapping.Pack(SketchMapping.Code(ms), 20)])));
            }
        }

        await _rollups.UpsertAsync(rollups);
    }

    public async Task DisposeAsync()
    {
        if (_test is not null)
        {
            await _test.DisposeAsync();
        }
    }

    [Fact]
    public async Task ReadingAhead_FindsWhatReadingADayAtATimeFinds()
    {
        var rule = Rule();
        var (ahead, aheadSteps) = await ReplayAsync(rule, readAhead: true);
        var (inTurn, inTurnSteps) = await ReplayAsync(rule, readAhead: false);

        Assert.Equal(3, ahead.Count(e => e.To == AlertStatus.Firing)); // each service's slow hour
        Assert.Equal(inTurn, ahead);
        Assert.Equal(inTurnSteps, aheadSteps);
    }

    [Fact]
    public async Task AReplayThatFails_ReportsItsOwnFailure_AfterTheDayReadAheadStopped()
    {
        var rule = Rule();
        var replay = new RuleReplay(rule, new RuleMemory(rule), StartMs, StartMs, TimeSpan.FromMinutes(1), step =>
        {
            if (step.At.ToUnixTimeMilliseconds() >= StartMs + (36 * 60 * MinuteMs))
            {
                throw new InvalidOperationException("the step's consumer failed");
            }
        });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => new RuleHistory(_rollups).AdvanceAsync(rule, replay, StartMs + (4 * 1440 * MinuteMs), readAhead: true, CancellationToken.None));

        Assert.Equal("the step's consumer failed", failure.Message);
        Assert.Equal(StartMs + (1440 * MinuteMs), replay.DoneMs); // the first day replayed, the second failed
    }

    private static AlertRule Rule() => new()
    {
        Id = "slow",
        Name = "Slow",
        Metric = Metric,
        GroupBy = ["service"],
        Aggregation = Aggregation.P50,
        WindowMinutes = 5,
        ThresholdType = ThresholdType.Static,
        Threshold = 200,
        Comparison = Comparison.GreaterThan,
        CooldownMinutes = 0,
    };

    private async Task<(IReadOnlyList<BacktestEvent> Events, int Steps)> ReplayAsync(AlertRule rule, bool readAhead)
    {
        var steps = 0;
        var replay = new RuleReplay(rule, new RuleMemory(rule), StartMs, StartMs, TimeSpan.FromMinutes(1), _ => steps++);
        await new RuleHistory(_rollups).AdvanceAsync(rule, replay, StartMs + (4 * 1440 * MinuteMs) + 30_000, readAhead, CancellationToken.None);
        return (replay.Events, steps);
    }
}

public sealed class SqliteRuleHistoryTests() : RuleHistoryTests(StorageProvider.Sqlite);

public sealed class PostgresRuleHistoryTests() : RuleHistoryTests(StorageProvider.Postgres);
