using Vigil.Monitoring.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Tests.Storage;

/// <summary>The monitor repository's contract, on SQLite and PostgreSQL.</summary>
public abstract class MonitorRepositoryContractTests(StorageProvider provider) : IAsyncLifetime
{
    private const long Hour = 3_600_000;
    private MonitoringHarness _harness = null!;

    private MonitorRepository Repository => _harness.Repository;

    public async Task InitializeAsync() => _harness = await MonitoringHarness.CreateAsync(provider);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task InsertUpdateDelete_NamesUniqueVersionsChecked()
    {
        await _harness.AddAsync("""{"name":"api","url":"https://example.com/"}""", "a");
        var other = await Repository.GetAsync("a");
        Assert.False(await Repository.InsertAsync(other! with { Id = "b" }));

        var (updated, taken) = await Repository.UpdateAsync(other! with { Name = "api-2" }, expectedVersion: 1, resetState: false);
        Assert.False(taken);
        Assert.Equal(("api-2", 2L), (updated!.Name, updated.Version));
        Assert.Null((await Repository.UpdateAsync(other with { Name = "api-3" }, expectedVersion: 1, resetState: false)).Updated);

        Assert.True(await Repository.DeleteAsync("a"));
        Assert.Null(await Repository.GetAsync("a"));
        Assert.False(await Repository.DeleteAsync("a"));
    }

    [Fact]
    public async Task RecordAsync_ChecksStatesAndHourlyCounts_UptimeLeavesMaintenanceOut()
    {
        await _harness.AddAsync("""{"name":"api","url":"https://example.com/"}""", "a");
        await _harness.AddAsync("""{"name":"db","type":"tcp","host":"example.com","port":5432}""", "b");
        var t0 = _harness.Time.GetUtcNow().ToUnixTimeMilliseconds() / Hour * Hour;
        await Repository.RecordAsync(
            [
                new StoredCheck(0, "a", t0 - (30 * Hour), "down", null, null, "old", false),
                new StoredCheck(0, "a", t0 + 1000, "up", 10, 200, null, false),
                new StoredCheck(0, "a", t0 + 2000, "down", 30, 503, "HTTP 503", false),
                new StoredCheck(0, "a", t0 + 3000, "down", null, null, "maintenance", true),
                new StoredCheck(0, "b", t0 + 1000, "degraded", 900, null, "slow", false),
                new StoredCheck(0, "gone", t0 + 1000, "up", 1, null, null, false),
            ],
            [("a", new MonitorStateRecord("down", t0 + 2000, 2, t0 + 3000, null, "maintenance", null)), ("gone", MonitorStateRecord.Empty)]);

        var state = (await Repository.GetAsync("a"))!.State;
        Assert.Equal(("down", 2L, "maintenance"), (state.Status, state.ConsecutiveFailures, state.LastError));
        var uptime = await Repository.UptimeAsync([t0 - (24 * Hour), t0 - (48 * Hour)]);
        Assert.Equal(new UptimeFigures(2, 1, 20), uptime["a"][0]);
        Assert.Equal(new UptimeFigures(3, 2, 20), uptime["a"][1]);
        Assert.Equal(new UptimeFigures(1, 0, 900), uptime["b"][0]);
        Assert.False(uptime.ContainsKey("gone"));

        var page = await Repository.ChecksAsync("a", null, 2);
        Assert.Equal(["maintenance", "HTTP 503"], page.Select(c => c.Error));
        var next = await Repository.ChecksAsync("a", page[^1].Id, 10);
        Assert.Equal([null, "old"], next.Select(c => c.Error));
        var recent = await Repository.RecentChecksAsync(1, t0 - (48 * Hour));
        Assert.Equal(("maintenance", "slow"), (Assert.Single(recent["a"]).Error, Assert.Single(recent["b"]).Error));

        Assert.Equal(1, await Repository.PruneAsync(t0 - Hour, t0 - (26 * Hour), t0));
        Assert.Equal(3, (await Repository.ChecksAsync("a", null, 10)).Count);
        Assert.Equal(new UptimeFigures(2, 1, 20), (await Repository.UptimeAsync([t0 - (48 * Hour)]))["a"][0]);
    }

    [Fact]
    public async Task DailyUptime_HoursSummedByUtcDay_OnlyTheMonitorsAsked()
    {
        const long Day = 24 * Hour;
        await _harness.AddAsync("""{"name":"api","url":"https://example.com/"}""", "a");
        await _harness.AddAsync("""{"name":"db","type":"tcp","host":"example.com","port":5432}""", "b");
        var today = _harness.Time.GetUtcNow().ToUnixTimeMilliseconds() / Day * Day;
        await Repository.RecordAsync(
            [
                new StoredCheck(0, "a", today - Day - (2 * Hour), "down", null, null, "before", false),
                new StoredCheck(0, "a", today - Day + Hour, "up", 10, 200, null, false),
                new StoredCheck(0, "a", today - Day + (23 * Hour) + 5000, "down", null, 503, "HTTP 503", false),
                new StoredCheck(0, "a", today - Day + (23 * Hour) + 9000, "down", null, null, "maintenance", true),
                new StoredCheck(0, "a", today + 1000, "up", 10, 200, null, false),
                new StoredCheck(0, "b", today - Day + Hour, "down", null, null, "refused", false),
            ],
            []);

        var daily = await Repository.DailyUptimeAsync(["a"], today - Day);
        var uptime = await Repository.UptimeAsync([today - Day], ["a"]);

        Assert.Equal([new DailyUptime(today - Day, 2, 1), new DailyUptime(today, 1, 0)], daily["a"]);
        Assert.False(daily.ContainsKey("b"));
        Assert.Equal((3L, 1L), (uptime["a"][0].Checks, uptime["a"][0].Down));
        Assert.False(uptime.ContainsKey("b"));
        Assert.Empty(await Repository.DailyUptimeAsync([], today - Day));
    }

    [Fact]
    public async Task Maintenance_SavedReplacedDeleted_CoversItsMonitorOrAll()
    {
        await _harness.AddAsync("""{"name":"api","url":"https://example.com/"}""", "a");
        await Repository.SaveMaintenanceAsync(new StoredMaintenance("w1", "deploy", "a", 1000, 2000, 1));
        await Repository.SaveMaintenanceAsync(new StoredMaintenance("w2", "all", null, 5000, 6000, 1));
        await Repository.SaveMaintenanceAsync(new StoredMaintenance("w1", "deploy again", "a", 1000, 3000, 1));

        var windows = await Repository.MaintenanceAsync();
        Assert.Equal(["w2", "w1"], windows.Select(w => w.Id));
        Assert.True(windows[1].Covers("a", 2500));
        Assert.False(windows[1].Covers("b", 2500));
        Assert.True(windows[0].Covers("b", 5000));
        Assert.False(windows[0].Covers("b", 6000));
        Assert.True(await Repository.DeleteMaintenanceAsync("w2"));
        Assert.True(await Repository.DeleteAsync("a"));
        Assert.Empty(await Repository.MaintenanceAsync());
    }
}

public sealed class SqliteMonitorRepositoryTests() : MonitorRepositoryContractTests(StorageProvider.Sqlite);

public sealed class PostgresMonitorRepositoryTests() : MonitorRepositoryContractTests(StorageProvider.Postgres);
