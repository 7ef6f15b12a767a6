using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Core.Metrics;
using Vigil.Health.Resources;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Storage;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Tests.Health;

/// <summary>
/// Vigil's own health endpoints on a real database: the seed-002 shape and statuses, the
/// thresholds as options, the jobs check against jobs made and failed through the real queue,
/// the advanced check against the targets table, readiness, and what bad input gets.
/// </summary>
public abstract class HealthEndpointsTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string ProbeType = "health-probe";

    /// <summary>No report reuse: each request sees the state the test just made.</summary>
    private static Dictionary<string, string?> Fresh(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Vigil:Health:CacheDuration"] = "00:00:00" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task GetHealth_Full_DatabaseAndJobsHealthyAdvancedLeftToItsEndpoint()
    {
        await using var app = StartApp(settings: Fresh());

        var response = await app.WithKey(null).GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.ReadAsync();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var names = health.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("database", names);
        Assert.Contains("jobs", names);
        Assert.DoesNotContain("advanced", names);
        Assert.DoesNotContain("redis", names); // not configured
        var jobs = health.GetProperty("checks").GetProperty("jobs");
        Assert.Equal("healthy", jobs.GetProperty("status").GetString());
        Assert.Equal(50, jobs.GetProperty("details").GetProperty("thresholds").GetProperty("failureRate").GetDouble());
        Assert.Equal(10, jobs.GetProperty("details").GetProperty("thresholds").GetProperty("stuckJobs").GetInt32());
        Assert.Equal(100, jobs.GetProperty("details").GetProperty("thresholds").GetProperty("deadLetterQueue").GetInt32());
        Assert.Equal(names.Length, health.GetProperty("overall").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task GetHealth_MalformedQuick_400ProblemNamingQuick()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);

        foreach (var query in new[] { "?quick=maybe", "?quick=", "?quick=1", "?quick=true&quick=false" })
        {
            var response = await client.GetAsync("/api/health" + query);

            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query} -> {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty("quick", out _), query);
        }
    }

    [Fact]
    public async Task GetHealth_QuickFalseAndLive_FullReportAndLiveness()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);

        var full = await (await client.GetAsync("/api/health?quick=FALSE")).ReadAsync();
        var live = await client.GetAsync("/api/health/live");

        Assert.True(full.TryGetProperty("checks", out _));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var body = await live.ReadAsync();
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.False(body.TryGetProperty("checks", out _));
    }

    [Fact]
    public async Task GetHealthCheck_UnknownOrUnconfigured_404ProblemListingTheChecks()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);

        // redis is not configured here; the others are no check's name (names are case-sensitive).
        foreach (var name in new[] { "redis", "platfor", "DATABASE", "%F0%9F%92%A5", new string('x', 500) })
        {
            var response = await client.GetAsync("/api/health/" + name);

            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{name} -> {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("database, jobs, advanced", (await response.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetHealthCheck_Database_OverTheDegradedThreshold_Degraded200()
    {
        // Any real probe takes more than 0 ms: with the threshold at 0 the check must say degraded.
        await using var app = StartApp(settings: Fresh(("Vigil:Health:DatabaseDegradedAfter", "00:00:00")));

        var response = await app.WithKey(null).GetAsync("/api/health/database");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.ReadAsync();
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var database = health.GetProperty("checks").GetProperty("database");
        Assert.Equal("degraded", database.GetProperty("status").GetString());
        Assert.True(database.GetProperty("responseTime").GetDouble() >= 0); // rounded to 0.1 ms: a fast SQLite probe shows 0
        Assert.Equal(0, database.GetProperty("details").GetProperty("thresholdMs").GetDouble());
        Assert.Equal(1, health.GetProperty("overall").GetProperty("degraded").GetInt32());
    }

    [Fact]
    public async Task GetHealthCheck_Jobs_FailureRateOverThreshold_DegradedWithCounts()
    {
        await using var app = StartApp(settings: Fresh(("Vigil:Health:JobsFailureMinJobs", "7"), ("Vigil:Health:DeadLetters", "5")));
        var queue = app.Services.GetRequiredService<JobQueue>();
        var client = app.WithKey(null);

        // Arrange: 3 jobs succeed and 4 are dead-lettered, through the queue's own claim and completion.
        await FinishAsync(queue, succeeded: 3, failed: 4);

        // Act
        var response = await client.GetAsync("/api/health/jobs");

        // Assert: 4 of 7 (57 %) failed, over the 50 % default; 4 dead letters are under the threshold of 5.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jobs = (await response.ReadAsync()).GetProperty("checks").GetProperty("jobs");
        Assert.Equal("degraded", jobs.GetProperty("status").GetString());
        var details = jobs.GetProperty("details");
        Assert.Equal(7, details.GetProperty("finished").GetInt64());
        Assert.Equal(4, details.GetProperty("deadLetters").GetInt64());
        Assert.Equal(57.14, details.GetProperty("failureRate").GetDouble());
        var description = jobs.GetProperty("description").GetString()!;
        Assert.Contains("failed (threshold 50 %)", description, StringComparison.Ordinal);
        Assert.DoesNotContain("dead-letter queue", description, StringComparison.Ordinal);

        // One more dead letter reaches the dead-letter threshold too.
        await FinishAsync(queue, succeeded: 0, failed: 1);
        var again = (await (await client.GetAsync("/api/health/jobs")).ReadAsync()).GetProperty("checks").GetProperty("jobs");
        Assert.Contains("the dead-letter queue holds 5 jobs (threshold 5)", again.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHealthCheck_Jobs_FewerFinishedThanTheMinimum_HealthyDespiteFailures()
    {
        await using var app = StartApp(settings: Fresh());
        await FinishAsync(app.Services.GetRequiredService<JobQueue>(), succeeded: 0, failed: 3);

        var jobs = (await (await app.WithKey(null).GetAsync("/api/health/jobs")).ReadAsync()).GetProperty("checks").GetProperty("jobs");

        Assert.Equal("healthy", jobs.GetProperty("status").GetString());
        Assert.Equal(100, jobs.GetProperty("details").GetProperty("failureRate").GetDouble());
    }

    [Fact]
    public async Task GetHealthCheck_Jobs_LeasesExpired_StuckJobsDegraded()
    {
        // The processor is off, so nothing returns the stuck jobs to the queue behind the test's back.
        await using var app = StartApp(settings: Fresh(("Vigil:Health:StuckJobs", "2"), ("Vigil:Jobs:ProcessingEnabled", "false")));
        var queue = app.Services.GetRequiredService<JobQueue>();
        await queue.EnqueueAsync([new JobRequest(ProbeType, "{}"), new JobRequest(ProbeType, "{}")]);
        Assert.Equal(2, (await queue.ClaimAsync("gone-worker", [new TypeClaim(ProbeType, 10)], 10, [])).Count);
        var client = app.WithKey(null);
        var beforeExpiry = (await (await client.GetAsync("/api/health/jobs")).ReadAsync()).GetProperty("checks").GetProperty("jobs");

        // The worker never renews its lease (30 s).
        app.Time.Advance(TimeSpan.FromSeconds(31));
        var afterExpiry = (await (await client.GetAsync("/api/health/jobs")).ReadAsync()).GetProperty("checks").GetProperty("jobs");

        Assert.Equal("healthy", beforeExpiry.GetProperty("status").GetString());
        Assert.Equal(2, beforeExpiry.GetProperty("details").GetProperty("processing").GetInt64());
        Assert.Equal("degraded", afterExpiry.GetProperty("status").GetString());
        Assert.Equal(2, afterExpiry.GetProperty("details").GetProperty("stuck").GetInt64());
        Assert.Contains("expired lease", afterExpiry.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHealth_WithinTheCacheDuration_SharesOneReport()
    {
        await using var app = StartApp(); // the default cache: 1 s
        var queue = app.Services.GetRequiredService<JobQueue>();
        var client = app.WithKey(null);
        var first = await DeadLettersAsync(client);

        await FinishAsync(queue, succeeded: 0, failed: 1);
        var cached = await DeadLettersAsync(client);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var fresh = await DeadLettersAsync(client);

        Assert.Equal(0, first);
        Assert.Equal(0, cached);
        Assert.Equal(1, fresh);
    }

    [Fact]
    public async Task GetHealthCheck_Advanced_OwnErrorsAndSlowResponses_DegradedWithTargets()
    {
        await using var app = StartApp(settings: Fresh());
        var client = app.WithKey(null);
        var quiet = await (await client.GetAsync("/api/health/advanced")).ReadAsync();

        // Arrange: Vigil's own request series (what its middleware records) shows 20 answers in
        // 300 ms and 3 server errors: 13 % errors (over 10 %), p95 300 ms (over 200 ms).
        var store = app.Services.GetRequiredService<MetricStore>();
        Record(store, "200", 300, 20);
        Record(store, "500", 300, 3);

        // Act
        var response = await client.GetAsync("/api/health/advanced");

        // Assert
        Assert.Equal("healthy", quiet.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var advanced = (await response.ReadAsync()).GetProperty("checks").GetProperty("advanced");
        Assert.Equal("degraded", advanced.GetProperty("status").GetString());
        var details = advanced.GetProperty("details");
        Assert.True(details.GetProperty("requests").GetInt64() >= 23);
        Assert.True(details.GetProperty("errors").GetProperty("ratePercent").GetDouble() > 10);
        Assert.InRange(details.GetProperty("responseTimes").GetProperty("p95").GetDouble(), 297, 303);
        Assert.True(details.GetProperty("memory").GetProperty("gcHeapBytes").GetInt64() > 0);
        Assert.InRange(details.GetProperty("memory").GetProperty("gc").GetProperty("pauseTimePercent").GetDouble(), 0, 100);
        var targets = details.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("metric").GetString()!);
        Assert.Equal(["apiResponseP95", "cacheHitRate", "databaseQueryP95", "errorRate", "heapMemory", "uptime"], targets.Keys.Order(StringComparer.Ordinal));
        Assert.True(targets["apiResponseP95"].GetProperty("pass").GetBoolean()); // 300 < 500
        Assert.False(targets["errorRate"].GetProperty("pass").GetBoolean()); // 13 % is not < 0.1 %
        Assert.Equal(details.GetProperty("cache").GetProperty("hitRate").ToString(), targets["cacheHitRate"].GetProperty("value").ToString()); // the read cache's own
        Assert.Equal("< 500", targets["apiResponseP95"].GetProperty("target").GetString());
        var description = advanced.GetProperty("description").GetString()!;
        Assert.Contains("threshold 10 %", description, StringComparison.Ordinal);
        Assert.Contains("threshold 200 ms", description, StringComparison.Ordinal);

        // The full report does not run the detail check: its targets do not make /api/health degraded.
        Assert.Equal("healthy", (await (await client.GetAsync("/api/health")).ReadAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetHealthCheck_Advanced_DatabaseStatementsAndOwnUptime_Measured()
    {
        await using var app = StartApp(settings: Fresh());
        var client = app.Admin();

        // Arrange: statements through the API (a rule written and listed), and 100 minutes of
        // resource samples ending before the two newest minutes, 8 of them missing (92 % up).
        (await client.PostJsonAsync("/api/v1/alerts/rules", """
            {"name":"Hot","metric":"room_temperature","aggregation":"last","windowMinutes":5,"thresholdType":"static",
             "threshold":30,"comparison":"greater_than","severity":"warning","cooldownMinutes":15,"channels":[]}
            """)).EnsureSuccessStatusCode();
        (await client.GetAsync("/api/v1/alerts/rules")).EnsureSuccessStatusCode();
        var rollups = app.Services.GetRequiredService<RollupRepository>();
        var nowMs = app.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var toMs = (nowMs / 60_000 * 60_000) - 60_000;
        var ids = await rollups.EnsureSeriesAsync([(LabelSet.SeriesKey(ResourceSeries.CpuPercent, LabelSet.Empty), ResourceSeries.CpuPercent, MetricType.Gauge)], nowMs);
        var id = ids.Values.Single();
        await rollups.MergeAsync([.. Enumerable.Range(1, 100).Where(m => m is < 40 or >= 48)
            .Select(m => new StoredRollup(id, new Rollup(toMs - (m * 60_000L), 6, 60, 5, 15, 10, 0, null)))]);
        await app.Services.GetRequiredService<OwnUptime>().RefreshAsync(force: true, CancellationToken.None);

        // Act
        var details = (await (await client.GetAsync("/api/health/advanced")).ReadAsync()).GetProperty("checks").GetProperty("advanced").GetProperty("details");

        // Assert: the statements' timings (SQLite's profile hook or Npgsql's metric) and the uptime.
        var database = details.GetProperty("database");
        Assert.True(database.GetProperty("queries").GetInt64() >= 2, database.ToString());
        var targets = details.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("metric").GetString()!);
        Assert.Equal(database.GetProperty("p95").GetDouble(), targets["databaseQueryP95"].GetProperty("value").GetDouble());
        Assert.InRange(targets["databaseQueryP95"].GetProperty("value").GetDouble(), 0, 30_000); // SQLite's hook counts whole milliseconds
        Assert.Equal(92.0, details.GetProperty("uptime").GetProperty("percent").GetDouble());
        Assert.Equal(92.0, targets["uptime"].GetProperty("value").GetDouble());
        Assert.False(targets["uptime"].GetProperty("pass").GetBoolean()); // 92 % is not > 99.9 %
    }

    [Fact]
    public async Task GetReady_AfterStartUp_200WithStartupAndDatabase()
    {
        await using var app = StartApp(settings: Fresh());

        var response = await app.WithKey(null).GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = (await response.ReadAsync()).GetProperty("checks");
        Assert.Equal(["database", "startup"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Equal("healthy", checks.GetProperty("startup").GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetReady_DatabaseDegraded_Still200()
    {
        // Only unhealthy takes a process out of rotation: a slow database still serves.
        await using var app = StartApp(settings: Fresh(("Vigil:Health:DatabaseDegradedAfter", "00:00:00")));

        var response = await app.WithKey(null).GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("degraded", (await response.ReadAsync()).GetProperty("status").GetString());
    }

    private static async Task<long> DeadLettersAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/health/jobs")).ReadAsync()).GetProperty("checks").GetProperty("jobs").GetProperty("details").GetProperty("deadLetters").GetInt64();

    /// <summary>Enqueues, claims and completes probe jobs (no handler runs them: the test is the worker).</summary>
    private static async Task FinishAsync(JobQueue queue, int succeeded, int failed)
    {
        var total = succeeded + failed;
        await queue.EnqueueAsync([.. Enumerable.Range(0, total).Select(_ => new JobRequest(ProbeType, "{}", MaxAttempts: 1))]);
        var claimed = await queue.ClaimAsync("test-worker", [new TypeClaim(ProbeType, total)], total, []);
        Assert.Equal(total, claimed.Count);
        await queue.CompleteAsync("test-worker", [.. claimed.Select((job, i) => new JobCompletion(job, i < succeeded ? JobOutcome.Succeeded : JobOutcome.Fail("the destination refused")))]);
    }

    private static void Record(MetricStore store, string status, double ms, int count)
    {
        var series = store.GetOrCreate(
            Vigil.Health.Checks.OwnRequests.Metric,
            LabelSet.From([new("route", "/api/v1/metrics"), new("method", "POST"), new("status", status)]),
            MetricType.Timing)!;
        for (var i = 0; i < count; i++)
        {
            store.Record(series, ms);
        }
    }
}

public sealed class SqliteHealthEndpointsTests() : HealthEndpointsTests(StorageProvider.Sqlite);

public sealed class PostgresHealthEndpointsTests() : HealthEndpointsTests(StorageProvider.Postgres);
