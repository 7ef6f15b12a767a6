using Dapper;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;
using Vigil.Storage.Keys;
using Vigil.Storage.Metrics;
using Vigil.Testing;

namespace Vigil.Storage.Tests;

/// <summary>Every repository behaviour, run once per provider (see the subclasses below).</summary>
public abstract class StorageContractTests(StorageProvider provider) : IAsyncLifetime
{
    private const long Minute = 60_000;
    private const long T0 = 1_790_000_000_000 - (1_790_000_000_000 % Minute);
    private TestDatabase _testDatabase = null!;

    protected Database Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        Database = new Database(_testDatabase.Options);
        await new Migrator(Database).MigrateAsync(T0);
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_AppliesNothing()
    {
        var applied = await new Migrator(Database).MigrateAsync(T0);

        Assert.Equal(0, applied);
        Assert.NotEmpty(Migrator.Migrations(provider));
    }

    [Fact]
    public async Task MigrateAsync_ConcurrentRuns_ApplyEachMigrationOnce()
    {
        // A fresh database, migrated by several "processes" at once.
        await using var fresh = await TestDatabase.CreateAsync(provider);
        await using var database = new Database(fresh.Options);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new Migrator(database).MigrateAsync(T0)));

        Assert.Equal(Migrator.Migrations(provider).Count, results.Sum());
    }

    [Fact]
    public async Task ApiKeys_InsertFindRevoke_RoundTrip()
    {
        var keys = new ApiKeyRepository(Database);
        var key = new ApiKeyRecord("k1", "ci", "ingest", "hash-1", "vgl_abcd", T0, null);

        Assert.True(await keys.InsertAsync(key));
        Assert.False(await keys.InsertAsync(key with { Id = "k2" }));
        Assert.Equal(key, await keys.FindActiveByHashAsync("hash-1"));
        Assert.Equal(1, await keys.CountActiveAsync());

        Assert.True(await keys.RevokeAsync("k1", T0 + 5));
        Assert.False(await keys.RevokeAsync("k1", T0 + 6));
        Assert.Null(await keys.FindActiveByHashAsync("hash-1"));
        Assert.Equal(0, await keys.CountActiveAsync());
        var listed = Assert.Single(await keys.ListAsync());
        Assert.Equal(T0 + 5, listed.RevokedAtMs);
    }

    [Fact]
    public async Task EnsureSeriesAsync_SameKeysTwice_ReturnsSameIds()
    {
        var rollups = new RollupRepository(Database);
        (string, string, MetricType)[] series = [("a{x=\"1\"}", "a", MetricType.Timing), ("b", "b", MetricType.Counter)];

        var first = await rollups.EnsureSeriesAsync(series, T0);
        var second = await rollups.EnsureSeriesAsync([.. series, ("c", "c", MetricType.Gauge)], T0);

        Assert.Equal(2, first.Count);
        Assert.Equal(first["a{x=\"1\"}"], second["a{x=\"1\"}"]);
        Assert.Equal(first["b"], second["b"]);
        Assert.Equal(3, second.Values.Distinct().Count());
    }

    [Fact]
    public async Task ApiKeys_WithQuotas_RoundTrip()
    {
        var keys = new ApiKeyRepository(Database);
        var key = new ApiKeyRecord("k1", "ci", "ingest", "hash-1", "vgl_abcd", T0, null, 500, 2_000);

        await keys.InsertAsync(key);
        await keys.InsertAsync(new ApiKeyRecord("k2", "default", "ingest", "hash-2", "vgl_efgh", T0, null));

        Assert.Equal(key, await keys.FindActiveByHashAsync("hash-1"));
        var other = await keys.FindActiveByHashAsync("hash-2");
        Assert.Null(other!.SeriesQuota);
        Assert.Null(other.PointsPerSecondQuota);
    }

    [Fact]
    public async Task EnsureSeriesAsync_WithOwners_StoredKeptWhenUnnamedAndTakenByTheNextCreator()
    {
        var rollups = new RollupRepository(Database);
        var ids = await rollups.EnsureSeriesAsync([("a{i=\"1\"}", "a", MetricType.Gauge, "key-a"), ("a{i=\"2\"}", "a", MetricType.Gauge, (string?)null)], T0);
        await rollups.UpsertAsync([new StoredRollup(ids["a{i=\"1\"}"], new Rollup(T0, 1, 1, 1, 1, 1, 0, null))]);

        await rollups.EnsureSeriesAsync([("a{i=\"1\"}", "a", MetricType.Gauge, (string?)null), ("a{i=\"2\"}", "a", MetricType.Gauge, "key-b")], T0);
        var owners = (await rollups.SeriesOfMetricAsync("a")).ToDictionary(s => s.Key, s => s.Owner);
        var since = Assert.Single(await rollups.SeriesSinceAsync(T0));

        Assert.Equal("key-a", owners["a{i=\"1\"}"]);
        Assert.Equal("key-b", owners["a{i=\"2\"}"]);
        Assert.Equal("key-a", since.Owner);
    }

    [Fact]
    public async Task UpsertAndMerge_RollupsOfAnHourWrittenAfterItEnded_MarkTheHourLateUntilClearedAsSeen()
    {
        // Arrange: the clock half a minute into the hour after T0's.
        const long HourMs = 3_600_000;
        var hourMs = T0 - (T0 % HourMs);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(hourMs + HourMs + 30_000));
        var rollups = new RollupRepository(Database, time);
        var id = (await rollups.EnsureSeriesAsync([("a", "a", MetricType.Timing)], T0))["a"];
        StoredRollup At(long minuteMs) => new(id, new Rollup(minuteMs, 1, 5, 5, 5, 5, 0, null));

        // Act: within a minute of the hour's end, a write of its last minute is on time; then late ones.
        await rollups.UpsertAsync([At(hourMs + HourMs - Minute)]);
        var onTime = await rollups.LateHoursAsync(long.MaxValue);
        time.Advance(TimeSpan.FromMinutes(1));
        await rollups.UpsertAsync([At(hourMs + HourMs - Minute), At(hourMs + HourMs)]);
        await rollups.MergeAsync([At(hourMs)]);
        var late = await rollups.LateHoursAsync(long.MaxValue);
        await rollups.MergeAsync([At(hourMs)]); // after the reader's look: stays marked
        await rollups.ClearLateHoursAsync(late);
        var afterStaleClear = await rollups.LateHoursAsync(long.MaxValue);
        await rollups.ClearLateHoursAsync(afterStaleClear);

        // Assert: the hour still being written (the current one) is never late; each late write counts once.
        Assert.Empty(onTime);
        Assert.Equal(new Dictionary<long, long> { [hourMs] = 2 }, late);
        Assert.Equal(new Dictionary<long, long> { [hourMs] = 3 }, afterStaleClear);
        Assert.Empty(await rollups.LateHoursAsync(long.MaxValue));
        Assert.Equal(2, (await rollups.ReadAsync(hourMs, hourMs + 1)).Single().Rollup.Count); // the merge added to what was stored
    }

    [Fact]
    public async Task DeleteSeriesAsync_SomeSeries_GoWithTheirRollupsOthersStay()
    {
        var rollups = new RollupRepository(Database);
        var ids = await rollups.EnsureSeriesAsync([("a", "a", MetricType.Gauge), ("b", "b", MetricType.Gauge)], T0);
        await rollups.UpsertAsync([new StoredRollup(ids["a"], new Rollup(T0, 1, 1, 1, 1, 1, 0, null)), new StoredRollup(ids["b"], new Rollup(T0, 1, 2, 2, 2, 2, 0, null))]);

        var deleted = await rollups.DeleteSeriesAsync([ids["a"]]);
        var again = await rollups.DeleteSeriesAsync([ids["a"]]);

        Assert.Equal(1, deleted);
        Assert.Equal(0, again);
        Assert.Empty(await rollups.SeriesOfMetricAsync("a"));
        Assert.Equal(ids["b"], Assert.Single(await rollups.ReadAsync(T0, T0 + Minute)).SeriesId);
    }

    [Fact]
    public async Task UpsertAsync_SameMinuteTwice_KeepsTheLatest()
    {
        var rollups = new RollupRepository(Database);
        var id = (await rollups.EnsureSeriesAsync([("lat", "lat", MetricType.Timing)], T0))["lat"];
        var first = new Rollup(T0, 2, 30, 10, 20, 20, 500, [SketchMapping.Pack(100, 2)]);
        var second = new Rollup(T0, 3, 60, 10, 30, 30, 900, [SketchMapping.Pack(100, 2), SketchMapping.Pack(120, 1)]);

        await rollups.UpsertAsync([new StoredRollup(id, first)]);
        await rollups.UpsertAsync([new StoredRollup(id, second), new StoredRollup(id, second with { MinuteStartMs = T0 + Minute })]);

        var stored = await rollups.ReadAsync(T0, T0 + (2 * Minute));
        Assert.Equal(2, stored.Count);
        AssertRollup(second, stored[0].Rollup);
        Assert.Equal(T0 + Minute, stored[1].Rollup.MinuteStartMs);
    }

    [Fact]
    public async Task MergeAsync_ExistingMinute_AddsCountsAndBins()
    {
        var rollups = new RollupRepository(Database);
        var id = (await rollups.EnsureSeriesAsync([("lat", "lat", MetricType.Timing)], T0))["lat"];
        await rollups.UpsertAsync([new StoredRollup(id, new Rollup(T0, 2, 30, 10, 20, 20, 500, [SketchMapping.Pack(100, 2)]))]);

        await rollups.MergeAsync([
            new StoredRollup(id, new Rollup(T0, 1, 5, 5, 5, 5, 100, [SketchMapping.Pack(90, 1)])),
            new StoredRollup(id, new Rollup(T0, 1, 40, 40, 40, 40, 700, [SketchMapping.Pack(130, 1)])),
        ]);

        var merged = Assert.Single(await rollups.ReadAsync(T0, T0 + Minute)).Rollup;
        Assert.Equal(4, merged.Count);
        Assert.Equal(75, merged.Sum);
        Assert.Equal(5, merged.Min);
        Assert.Equal(40, merged.Max);
        Assert.Equal(40, merged.Last);
        Assert.Equal(700, merged.LastOffsetMs);
        Assert.Equal(4L, merged.Bins!.Sum(b => (long)SketchMapping.PackedCount(b)));
    }

    [Fact]
    public async Task ReadMetricAsync_OtherMetricsAndRange_AreExcluded()
    {
        var rollups = new RollupRepository(Database);
        var ids = await rollups.EnsureSeriesAsync([("a{r=\"1\"}", "a", MetricType.Gauge), ("a{r=\"2\"}", "a", MetricType.Gauge), ("b", "b", MetricType.Gauge)], T0);
        await rollups.UpsertAsync([
            new StoredRollup(ids["a{r=\"1\"}"], Gauge(T0, 1)),
            new StoredRollup(ids["a{r=\"2\"}"], Gauge(T0 + Minute, 2)),
            new StoredRollup(ids["a{r=\"2\"}"], Gauge(T0 + (5 * Minute), 3)),
            new StoredRollup(ids["b"], Gauge(T0, 4)),
        ]);

        var read = await rollups.ReadMetricAsync("a", T0, T0 + (5 * Minute));

        Assert.Equal([("a{r=\"1\"}", 1.0), ("a{r=\"2\"}", 2.0)], read.Select(r => (r.Series.Key, r.Rollup.Last)).OrderBy(r => r.Key).ToArray());
        Assert.All(read, r => Assert.Equal("gauge", r.Series.Type));
    }

    [Fact]
    public async Task ReadMetricAsync_WithoutBins_ReadsEverythingButTheBins()
    {
        var rollups = new RollupRepository(Database);
        var id = (await rollups.EnsureSeriesAsync([("lat", "lat", MetricType.Timing)], T0))["lat"];
        var stored = new Rollup(T0, 3, 60, 10, 30, 30, 900, [SketchMapping.Pack(100, 2), SketchMapping.Pack(120, 1)]);
        await rollups.UpsertAsync([new StoredRollup(id, stored)]);

        var withBins = Assert.Single(await rollups.ReadMetricAsync("lat", T0, T0 + Minute, withBins: true)).Rollup;
        var without = Assert.Single(await rollups.ReadMetricAsync("lat", T0, T0 + Minute, withBins: false)).Rollup;

        AssertRollup(stored, withBins);
        Assert.Equal(stored with { Bins = null }, without);
    }

    [Fact]
    public async Task ReadMetricAsync_InfiniteValuesOfOlderRowsAndEmptyBins_ReadFiniteAndEmpty()
    {
        // Rows written before values were bounded can hold ±Infinity; a timing minute can have no bins.
        var rollups = new RollupRepository(Database);
        var id = (await rollups.EnsureSeriesAsync([("lat", "lat", MetricType.Timing)], T0))["lat"];
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO rollups_1m (series_id, minute_ms, count, sum, min, max, last, last_offset_ms, bins) VALUES (@id, @minute, 2, @sum, @min, @max, 7, 30, NULL)",
                new { id, minute = T0, sum = double.PositiveInfinity, min = double.NegativeInfinity, max = double.PositiveInfinity });
        }

        await rollups.UpsertAsync([new StoredRollup(id, new Rollup(T0 + Minute, 1, 3, 3, 3, 3, 10, []))]);

        var read = await rollups.ReadMetricAsync("lat", T0, T0 + (2 * Minute));

        Assert.Equal(new Rollup(T0, 2, double.MaxValue, -double.MaxValue, double.MaxValue, 7, 30, null), read[0].Rollup);
        Assert.Empty(Assert.IsType<uint[]>(read[1].Rollup.Bins));
        Assert.Equal(new Rollup(T0 + Minute, 1, 3, 3, 3, 3, 10, null), read[1].Rollup with { Bins = null });
    }

    [Fact]
    public async Task RowReadAsync_BindsByNameAndMapsColumns_AsTheProvidersReaderWould()
    {
        await using var connection = await Database.OpenAsync();

        var rows = await Row.ReadAsync(
            connection,
            "SELECT @text, @number, CAST(@whole AS BIGINT), @fraction, @nothing WHERE @number > 0",
            new { text = "naïve 東京", number = 5_000_000_000L, whole = 7, fraction = 2.5, nothing = (string?)null, unused = "not in the statement" },
            r => (r.String(0), r.Int64(1), r.Int64(2), r.Double(3), r.IsNull(4), r.IsNull(0)),
            CancellationToken.None);

        Assert.Equal([("naïve 東京", 5_000_000_000L, 7L, 2.5, true, false)], rows);
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Row.ReadAsync(connection, "SELECT x FROM no_such_table", new { }, r => r.Int64(0), CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Row.ReadAsync(connection, "SELECT 1", new { }, r => r.Int64(0), new CancellationToken(canceled: true)));
        if (provider == StorageProvider.Sqlite)
        {
            // Bound by the SQLite library: a type it has no binding for here is refused, not guessed,
            // and a parameter the statement names without a value is refused (not read as NULL).
            await Assert.ThrowsAsync<NotSupportedException>(() => Row.ReadAsync(connection, "SELECT @at", new { at = DateTimeOffset.UnixEpoch }, r => r.Int64(0), CancellationToken.None));
            var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => Row.ReadAsync(connection, "SELECT @given + @missing", new { given = 1 }, r => r.Int64(0), CancellationToken.None));
            Assert.Equal("Must add values for the following parameters: @missing", missing.Message);
        }
    }

    [Fact]
    public async Task RowReadAsync_SharedString_OneStringPerDistinctTextOfTheRead()
    {
        await using var connection = await Database.OpenAsync();
        var longText = new string('é', 300); // decoded off the stack

        var rows = await Row.ReadAsync(
            connection,
            "SELECT 'op-1' UNION ALL SELECT 'op-2' UNION ALL SELECT 'op-1' UNION ALL SELECT 'naïve 東京' UNION ALL SELECT @long UNION ALL SELECT @long",
            new { @long = longText },
            r => r.SharedString(0),
            CancellationToken.None);

        Assert.Equal(["op-1", "op-2", "op-1", "naïve 東京", longText, longText], rows);
        Assert.Same(rows[0], rows[2]);
        Assert.Same(rows[4], rows[5]);
        Assert.NotSame(rows[0], rows[1]);
    }

    [Fact]
    public async Task CountMetricRowsAsync_CountsWhatReadMetricAsyncReads_UpToTheLimit()
    {
        var rollups = new RollupRepository(Database);
        var ids = await rollups.EnsureSeriesAsync([("a{r=\"1\"}", "a", MetricType.Gauge), ("a{r=\"2\"}", "a", MetricType.Gauge), ("b", "b", MetricType.Gauge)], T0);
        await rollups.UpsertAsync([
            new StoredRollup(ids["a{r=\"1\"}"], Gauge(T0, 1)),
            new StoredRollup(ids["a{r=\"1\"}"], Gauge(T0 + Minute, 1)),
            new StoredRollup(ids["a{r=\"2\"}"], Gauge(T0 + Minute, 2)),
            new StoredRollup(ids["a{r=\"2\"}"], Gauge(T0 + (5 * Minute), 3)),
            new StoredRollup(ids["b"], Gauge(T0, 4)),
        ]);
        var read = await rollups.ReadMetricAsync("a", T0, T0 + (5 * Minute));

        var all = await rollups.CountMetricRowsAsync("a", T0, T0 + (5 * Minute), limit: 100);
        var capped = await rollups.CountMetricRowsAsync("a", T0, T0 + (5 * Minute), limit: 2);
        var none = await rollups.CountMetricRowsAsync("a", T0, T0 + (5 * Minute), limit: 0);

        Assert.Equal(3, read.Count);
        Assert.Equal(read.Count, all);
        Assert.Equal(2, capped);
        Assert.Equal(0, none);
    }

    [Fact]
    public async Task SeriesSinceAsync_And_DeleteBeforeAsync_FollowTheMinute()
    {
        var rollups = new RollupRepository(Database);
        var ids = await rollups.EnsureSeriesAsync([("old", "old", MetricType.Gauge), ("new", "new", MetricType.Gauge)], T0);
        await rollups.UpsertAsync([new StoredRollup(ids["old"], Gauge(T0, 1)), new StoredRollup(ids["new"], Gauge(T0 + (10 * Minute), 2))]);

        var recent = await rollups.SeriesSinceAsync(T0 + Minute);
        var deleted = await rollups.DeleteBeforeAsync(T0 + Minute);

        Assert.Equal("new", Assert.Single(recent).Key);
        Assert.Equal(1, deleted);
        Assert.Single(await rollups.ReadAsync(0, long.MaxValue));
    }

    [Fact]
    public async Task UpsertAsync_ThousandsOfRollups_AllStored()
    {
        var rollups = new RollupRepository(Database);
        var series = Enumerable.Range(0, 2000).Select(i => ($"s{{i=\"{i}\"}}", "s", MetricType.Timing)).ToArray();
        var ids = await rollups.EnsureSeriesAsync(series, T0);

        await rollups.UpsertAsync([.. ids.Values.Select(id => new StoredRollup(id, new Rollup(T0, 1, id, id, id, id, 0, [SketchMapping.Pack(200, 1)])))]);

        var stored = await rollups.ReadAsync(T0, T0 + Minute);
        Assert.Equal(2000, stored.Count);
        Assert.All(stored, s => Assert.Equal(s.SeriesId, s.Rollup.Sum));
    }

    private static Rollup Gauge(long minute, double value) => new(minute, 1, value, value, value, value, 0, null);

    private static void AssertRollup(Rollup expected, Rollup actual)
    {
        Assert.Equal(expected with { Bins = null }, actual with { Bins = null });
        Assert.Equal(expected.Bins, actual.Bins);
    }
}

public sealed class SqliteStorageTests() : StorageContractTests(StorageProvider.Sqlite);

public sealed class PostgresStorageTests() : StorageContractTests(StorageProvider.Postgres);
