using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Delivery.Maintenance;
using Vigil.Health.Resources;
using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Server.Tests.Health;

/// <summary>
/// Host and process resources as series: sampled on the fake clock's 10 s timer, queryable
/// through the series API and /metrics, alertable by rules, and outside the user's series limit.
/// </summary>
public sealed class ResourceSeriesTests() : ServerTestBase(StorageProvider.Sqlite)
{
    private static readonly string[] Names =
    [
        ResourceSeries.CpuPercent, ResourceSeries.WorkingSetBytes, ResourceSeries.GcHeapBytes, ResourceSeries.GcHeapLimitPercent,
        ResourceSeries.ThreadPoolQueueLength, ResourceSeries.DiskFreePercent, ResourceSeries.AlertsOpen, ResourceSeries.QueueDepth,
    ];

    [Fact]
    public async Task Sampler_TenSecondsOnTheClock_RecordsEverySeriesForTheSeriesApi()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var client = app.Admin();
        var sampler = app.Services.GetRequiredService<ResourceSampler>();

        // Arrange: one open alert (a rule on a gauge over its threshold) and 3 delivery jobs waiting.
        (await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Hot","metric":"room_temperature","aggregation":"last","windowMinutes":5,"thresholdType":"static",
             "threshold":30,"comparison":"greater_than","severity":"warning","cooldownMinutes":15,"channels":[]}
            """)).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"room_temperature","type":"gauge","value":45}]}""")).EnsureSuccessStatusCode();
        await app.RunPassAsync();
        var queue = app.Services.GetRequiredService<JobQueue>();
        await queue.EnqueueAsync([.. Enumerable.Range(0, 3).Select(_ => new JobRequest("health-probe", "{}"))]);
        app.Services.GetRequiredService<DeliveryGauges>().Update(await queue.CountsAsync(), []);

        // Act: the sampler's timer fires when the clock reaches the next 10 s.
        var due = app.Time.GetUtcNow() + TimeSpan.FromSeconds(10);
        var sampled = new TaskCompletionSource<ResourceSample>(TaskCreationOptions.RunContinuationsAsynchronously);
        sampler.Sampled += sample =>
        {
            if (sample.At >= due)
            {
                sampled.TrySetResult(sample);
            }
        };
        app.Time.Advance(TimeSpan.FromSeconds(10));
        var taken = await sampled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Assert: the sample, and each series through the series API.
        Assert.NotNull(taken.CpuPercent);
        Assert.InRange(taken.CpuPercent.Value, 0, 100);
        Assert.InRange(taken.DiskFreePercent!.Value, 0.001, 100);
        Assert.Equal(Path.GetDirectoryName(Database.Options.ConnectionString!["Data Source=".Length..]), sampler.DataDirectoryPath);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            var response = await client.GetAsync($"/api/v1/series?metric={name}&agg=last");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var series = (await response.ReadAsync()).GetProperty("series");
            Assert.True(series.GetArrayLength() == 1, $"{name}: {series}");
            values[name] = series[0].GetProperty("points")[0][1].GetDouble();
        }

        Assert.Equal(1, values[ResourceSeries.AlertsOpen]);
        Assert.Equal(3, values[ResourceSeries.QueueDepth]);
        Assert.True(values[ResourceSeries.WorkingSetBytes] > 1_000_000);
        Assert.True(values[ResourceSeries.GcHeapBytes] > 0);
        Assert.InRange(values[ResourceSeries.GcHeapLimitPercent], 0.0001, 100);
        Assert.True(values[ResourceSeries.ThreadPoolQueueLength] >= 0);
        var exposition = await client.GetStringAsync("/metrics");
        Assert.Matches("(?m)^vigil_gc_heap_limit_percent [0-9.e+-]+$", exposition);
        Assert.Matches("(?m)^vigil_disk_free_percent [0-9.e+-]+$", exposition);
    }

    [Fact]
    public async Task OwnSeries_UserFillsTheSeriesLimit_VigilStillRecordsAndUserGetsTheWholeLimit()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Metrics:MaxSeries"] = "2" });
        var client = app.Admin();
        await app.Services.GetRequiredService<ResourceSampler>().SampleAsync(CancellationToken.None);

        var accepted = await client.PostJsonAsync("/api/v1/metrics",
            """{"points":[{"name":"a","type":"gauge","value":1,"labels":{"i":"1"}},{"name":"a","type":"gauge","value":1,"labels":{"i":"2"}}]}""");
        var refused = await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"a","type":"gauge","value":1,"labels":{"i":"3"}}]}""");
        await app.Services.GetRequiredService<ResourceSampler>().SampleAsync(CancellationToken.None);
        var exposition = await client.GetStringAsync("/metrics");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("vigil_series_active 2\n", exposition, StringComparison.Ordinal);
        var own = exposition.Split('\n').Single(l => l.StartsWith("vigil_series_own ", StringComparison.Ordinal));
        Assert.True(double.Parse(own["vigil_series_own ".Length..], CultureInfo.InvariantCulture) >= Names.Length, own);
        Assert.Matches("(?m)^vigil_process_working_set_bytes [0-9.e+-]+$", exposition);
    }
}
