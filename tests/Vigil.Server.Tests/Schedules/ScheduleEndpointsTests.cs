using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Jobs.Scheduling;
using Vigil.Storage;

namespace Vigil.Server.Tests.Schedules;

/// <summary>
/// Issue 11, item 2: the cron schedules over the API — listed with their tasks, last and next run
/// and outcome (<c>GET /api/v1/schedules</c>), run on their cron by the server's own scheduler and
/// job processor, and on demand (<c>POST /api/v1/schedules/{name}/run</c>).
/// </summary>
public abstract class ScheduleEndpointsTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task List_AsViewer_EveryScheduleWithItsTasks_HealthCheckRunsWhenDueAndIsRecorded()
    {
        await using var app = StartApp();
        var viewer = await app.ClientWithRoleAsync("viewer");
        var start = app.Time.GetUtcNow();
        Assert.True(await app.Services.GetRequiredService<CronScheduler>().Passes.WaitAsync(Patience));

        var response = await viewer.GetAsync("/api/v1/schedules");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schedules = (await response.ReadAsync()).EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["health-check", "aggregation", "dead-letter-retry", "cleanup"], schedules.Keys);
        Assert.Equal("*/5 * * * *", schedules["health-check"].GetProperty("cron").GetString());
        Assert.Equal("0 2 * * *", schedules["cleanup"].GetProperty("cron").GetString());
        Assert.Equal("UTC", schedules["cleanup"].GetProperty("timeZone").GetString());
        Assert.True(schedules["cleanup"].GetProperty("enabled").GetBoolean());
        Assert.Equal(["health.check"], Tasks(schedules["health-check"]));
        Assert.Equal(["jobs.dead-letters"], Tasks(schedules["dead-letter-retry"]));
        Assert.Equal(
            ["audit.retention", "delivery.relay-and-digest-retention", "jobs.finished-retention", "metrics.rollup-retention"],
            Tasks(schedules["cleanup"]).Order(StringComparer.Ordinal));
        Assert.Equal(["performance.operations"], Tasks(schedules["aggregation"]));
        Assert.Equal(start.AddMinutes(3), schedules["aggregation"].GetProperty("nextRunAt").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(5), schedules["health-check"].GetProperty("nextRunAt").GetDateTimeOffset());
        Assert.Equal(start.Date.AddDays(1).AddHours(2), schedules["cleanup"].GetProperty("nextRunAt").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(JsonValueKind.Null, schedules["health-check"].GetProperty("lastRunAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, schedules["health-check"].GetProperty("lastOutcome").ValueKind);

        var recorded = RecordedAsync(app, BuiltInSchedules.HealthCheck);
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await recorded;

        var health = await (await viewer.GetAsync("/api/v1/schedules/health-check")).ReadAsync();
        Assert.Equal(start.AddMinutes(5), health.GetProperty("lastRunAt").GetDateTimeOffset());
        Assert.Equal(start.AddMinutes(10), health.GetProperty("nextRunAt").GetDateTimeOffset());
        var outcome = health.GetProperty("lastOutcome");
        Assert.Equal("succeeded", outcome.GetProperty("status").GetString());
        Assert.StartsWith("health.check: healthy", outcome.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(outcome.GetProperty("jobId").GetInt64() > 0);
        var metrics = await (await viewer.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("vigil_health_status{check=\"overall\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunNow_AsAdmin_RunsCleanupAndRecordsIt_ViewerRefused_UnknownNotFound()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var viewer = await app.ClientWithRoleAsync("viewer");
        var start = app.Time.GetUtcNow();

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/schedules/cleanup/run", null)).StatusCode);
        var unknown = await admin.PostAsync("/api/v1/schedules/no-such-schedule/run", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-such-schedule", (await unknown.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/api/v1/schedules/no-such-schedule")).StatusCode);

        var recorded = RecordedAsync(app, BuiltInSchedules.Cleanup);
        var accepted = await admin.PostAsync("/api/v1/schedules/cleanup/run", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("cleanup", (await accepted.ReadAsync()).GetProperty("name").GetString());
        await recorded;

        var cleanup = await (await viewer.GetAsync("/api/v1/schedules/cleanup")).ReadAsync();
        Assert.Equal("succeeded", cleanup.GetProperty("lastOutcome").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, cleanup.GetProperty("lastOutcome").GetProperty("error").ValueKind);
        Assert.Equal(start, cleanup.GetProperty("lastRunAt").GetDateTimeOffset());
        Assert.Equal(start.Date.AddDays(1).AddHours(2), cleanup.GetProperty("nextRunAt").GetDateTimeOffset().UtcDateTime); // run now does not move it
        var audit = (await (await admin.GetAsync("/api/v1/audit?resource=schedules")).ReadAsync()).EnumerateArray().ToArray();
        Assert.Equal("/api/v1/schedules/cleanup/run", Assert.Single(audit).GetProperty("path").GetString());
    }

    private static string[] Tasks(JsonElement schedule) => [.. schedule.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()!)];

    /// <summary>Completes once a run of the schedule has its outcome stored.</summary>
    private static async Task RecordedAsync(VigilApp app, string name)
    {
        var schedules = app.Services.GetRequiredService<ScheduleService>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRecorded(string schedule, ScheduleOutcome outcome)
        {
            if (schedule == name)
            {
                done.TrySetResult();
            }
        }

        schedules.Recorded += OnRecorded;
        try
        {
            await done.Task.WaitAsync(Patience);
        }
        finally
        {
            schedules.Recorded -= OnRecorded;
        }
    }
}

public sealed class SqliteScheduleEndpointsTests() : ScheduleEndpointsTests(StorageProvider.Sqlite);

public sealed class PostgresScheduleEndpointsTests() : ScheduleEndpointsTests(StorageProvider.Postgres);
