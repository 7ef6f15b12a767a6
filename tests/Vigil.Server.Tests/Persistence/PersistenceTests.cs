using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Persistence;
using Vigil.Storage;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Tests.Persistence;

public abstract class PersistenceTests(StorageProvider provider) : ServerTestBase(provider)
{
    [Fact]
    public async Task Restart_AggregatesOfTheLastHour_AreRestored()
    {
        var time = VigilApp.NewClock();
        var values = Enumerable.Range(1, 500).Select(i => (double)i).ToArray();
        string before;
        await using (var first = StartApp(time))
        {
            var client = first.Admin();
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", values, """{"route":"/a"}""", time.GetUtcNow().AddMinutes(-20)))).EnsureSuccessStatusCode();
            (await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"queue_depth","type":"gauge","value":42}]}""")).EnsureSuccessStatusCode();
            before = await (await client.GetAsync("/api/v1/series?metric=lat&agg=p95")).Content.ReadAsStringAsync();
        }

        time.Advance(TimeSpan.FromMinutes(2));
        await using var second = StartApp(time);
        var restarted = second.Admin();

        var p95 = await (await restarted.GetAsync("/api/v1/series?metric=lat&agg=p95")).ReadAsync();
        var count = await (await restarted.GetAsync("/api/v1/series?metric=lat&agg=count")).ReadAsync();
        var gauge = await (await restarted.GetAsync("/api/v1/series?metric=queue_depth&agg=last")).ReadAsync();
        var original = System.Text.Json.JsonDocument.Parse(before).RootElement;
        Assert.Equal(original.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble(), p95.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(500, count.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(42, gauge.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
    }

    [Fact]
    public async Task PointsOlderThanTheMemoryWindow_AreMergedIntoRollupsAndQueryable()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var threeHoursAgo = app.Time.GetUtcNow().AddHours(-3);

        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [10, 20, 30], "{}", threeHoursAgo))).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [40], "{}", threeHoursAgo.AddSeconds(1)))).EnsureSuccessStatusCode();

        var from = threeHoursAgo.AddMinutes(-1).ToUnixTimeSeconds();
        var range = $"&from={from}&to={from + 600}";
        var count = await (await client.GetAsync($"/api/v1/series?metric=lat&agg=count{range}")).ReadAsync();
        var max = await (await client.GetAsync($"/api/v1/series?metric=lat&agg=max{range}")).ReadAsync();
        var recent = await (await client.GetAsync("/api/v1/series?metric=lat&agg=count")).ReadAsync();
        Assert.Equal(4, count.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(40, max.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Empty(recent.GetProperty("series")[0].GetProperty("points").EnumerateArray());
    }

    [Fact]
    public async Task Query_SpanningStoredAndMemory_CombinesBoth()
    {
        var time = VigilApp.NewClock();
        await using (var first = StartApp(time))
        {
            (await first.Admin().PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [100, 100], "{}", time.GetUtcNow().AddMinutes(-5)))).EnsureSuccessStatusCode();
        }

        // Two hours later the first points have left memory; new ones arrive.
        time.Advance(TimeSpan.FromHours(2));
        await using var second = StartApp(time);
        var client = second.Admin();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [400], "{}", time.GetUtcNow().AddMinutes(-1)))).EnsureSuccessStatusCode();

        var from = time.GetUtcNow().AddHours(-3).ToUnixTimeSeconds();
        var avg = await (await client.GetAsync($"/api/v1/series?metric=lat&agg=avg&from={from}")).ReadAsync();
        var count = await (await client.GetAsync($"/api/v1/series?metric=lat&agg=count&from={from}")).ReadAsync();

        Assert.Equal(200, avg.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(3, count.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
    }

    [Fact]
    public async Task DeleteSeries_WhileAFlushWritesItFirstRollups_NoSeriesNorRollupLeftBehind()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var persistence = app.Services.GetRequiredService<MetricPersistence>();
        var rollups = app.Services.GetRequiredService<RollupRepository>();
        var now = app.Time.GetUtcNow();
        var closedBeforeMs = now.ToUnixTimeMilliseconds() - (now.ToUnixTimeMilliseconds() % 60_000);
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [100, 200], """{"route":"/a"}""", now.AddMinutes(-3)))).EnsureSuccessStatusCode();
        var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        persistence.BeforeWrite = async _ =>
        {
            taken.TrySetResult();
            await resume.Task;
        };

        // The flush has taken the series' first minute to write; the series is deleted before the write lands.
        var flush = persistence.FlushAsync(closedBeforeMs, CancellationToken.None);
        await taken.Task.WaitAsync(TimeSpan.FromSeconds(60));
        persistence.BeforeWrite = null;
        var deleted = await (await client.DeleteAsync("/api/v1/series?metric=lat")).ReadAsync();
        Assert.Equal(1, deleted.GetProperty("dropped").GetInt32());
        Assert.Equal(0, deleted.GetProperty("deleted").GetInt32()); // nothing stored yet
        resume.SetResult();
        await flush;

        Assert.Empty(await rollups.SeriesOfMetricAsync("lat"));
        Assert.Empty(await rollups.ReadMetricAsync("lat", 0, long.MaxValue));
    }
}

public sealed class SqlitePersistenceTests() : PersistenceTests(StorageProvider.Sqlite);

public sealed class PostgresPersistenceTests() : PersistenceTests(StorageProvider.Postgres);
