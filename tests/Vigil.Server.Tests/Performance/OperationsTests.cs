using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Jobs.Scheduling;
using Vigil.Performance.Analysis;
using Vigil.Storage;

namespace Vigil.Server.Tests.Performance;

/// <summary>
/// Issue 13, items 1, 2, 4 and 5 (first part): operations found in the request and job timings
/// sent over the API, their executions summed by the hour by the aggregation schedule's analysis,
/// baselines after 10 executions (all hours, and per hour of the week with two weeks of history),
/// the live last hour against the baseline, trends over 24 hours and bottlenecks, through
/// <c>GET /api/v1/operations</c>. The clock is fake and starts on a Monday at 12:00 UTC.
/// </summary>
public abstract class OperationsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    // The tests run the analysis themselves: the aggregation schedule, which the fake clock would
    // make due when it passes the half hour, is off so it cannot run the same work alongside.
    private static readonly Dictionary<string, string?> ManualAnalysis = new() { ["Vigil:Schedules:aggregation:Enabled"] = "false" };

    [Fact]
    public async Task Analysis_TwoDaysOfRequestsAndJobs_OperationsWithBaselinesSampleSizesAndFailureRates()
    {
        // Arrange: GET /orders of service shop, 20 requests an hour for the 48 hours before the last (2 of them 500s);
        // POST /orders 5 requests in all (too few for a baseline); a job 12 times, 3 failed.
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-49), hours: 48, perHour: 20, ms: 100, """{"service":"shop","route":"/orders","method":"GET","status":"200"}""", errorsPerHour: 2);
        await PushHourlyAsync(admin, now.AddHours(-30), hours: 5, perHour: 1, ms: 40, """{"route":"/orders","method":"POST","status":"201"}""");
        await PushJobsAsync(admin, "nightly-report", now.AddHours(-40), count: 12, failed: 3, durationMs: 5000);

        // Act
        var outcome = await AnalysisOf(app).RunAsync(CancellationToken.None);
        var operations = (await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray();

        // Assert
        Assert.StartsWith("summed ", outcome, StringComparison.Ordinal);
        Assert.Equal(["GET /orders", "POST /orders", "nightly-report"], operations.Select(o => o.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray());
        var get = operations.Single(o => o.GetProperty("name").GetString() == "GET /orders");
        Assert.Equal("route", get.GetProperty("kind").GetString());
        Assert.Equal("shop", get.GetProperty("service").GetString());
        Assert.Equal("/orders", get.GetProperty("labels").GetProperty("route").GetString());
        var baseline = get.GetProperty("baseline");
        Assert.Equal("all_hours", baseline.GetProperty("level").GetString());
        Assert.Equal(960, baseline.GetProperty("figures").GetProperty("executions").GetInt64());
        Assert.Equal(96, baseline.GetProperty("figures").GetProperty("failures").GetInt64());
        Assert.Equal(10, baseline.GetProperty("figures").GetProperty("failureRate").GetDouble());
        Assert.InRange(baseline.GetProperty("figures").GetProperty("p95Ms").GetDouble(), 99, 101);
        Assert.Equal(now.AddHours(-49), baseline.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(now.AddHours(-1), baseline.GetProperty("to").GetDateTimeOffset()); // the hour that just ended is summed 2 minutes later
        Assert.Equal(JsonValueKind.Null, operations.Single(o => o.GetProperty("name").GetString() == "POST /orders").GetProperty("baseline").ValueKind);
        var job = operations.Single(o => o.GetProperty("name").GetString() == "nightly-report");
        Assert.Equal("job", job.GetProperty("kind").GetString());
        Assert.Equal(12, job.GetProperty("baseline").GetProperty("figures").GetProperty("executions").GetInt64());
        Assert.Equal(25, job.GetProperty("baseline").GetProperty("figures").GetProperty("failureRate").GetDouble());
        var last24h = get.GetProperty("summary").GetProperty("last24h");
        Assert.Equal(480, last24h.GetProperty("executions").GetInt64());
        Assert.Equal("stable", get.GetProperty("summary").GetProperty("trend24h").GetProperty("direction").GetString());
    }

    [Fact]
    public async Task Chart_AnalysedEndpoint_HourlyP95AgainstItsBaselineBand()
    {
        // Arrange: 20 requests an hour around 100 ms for the 6 hours before the last, analysed.
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-7), hours: 6, perHour: 20, ms: 100, """{"route":"/band","method":"GET","status":"200"}""");
        await AnalysisOf(app).RunAsync(CancellationToken.None);
        var id = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray()).GetProperty("id").GetString();

        // Act
        var chart = await (await admin.GetAsync($"/ui/data/operations/{id}/chart")).ReadAsync();
        var unknown = await admin.GetAsync("/ui/data/operations/nope/chart");

        // Assert: one p95 and one average point in the middle of each hour, the all-hours baseline across each, ±10 % around it, on 48 hours.
        Assert.Equal(["p95", "avg"], chart.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("label").GetString()!).ToArray());
        var p95 = chart.GetProperty("series")[0].GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(0, 6).Select(h => (double)now.AddHours(-7 + h).AddMinutes(30).ToUnixTimeSeconds()), p95.Select(p => p[0].GetDouble()));
        var baseline = chart.GetProperty("baseline").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(0, 6).SelectMany(h => new double[] { now.AddHours(-7 + h).ToUnixTimeSeconds(), now.AddHours(-6 + h).ToUnixTimeSeconds() }), baseline.Select(b => b[0].GetDouble()));
        Assert.Equal(now.AddHours(-48).ToUnixTimeSeconds(), chart.GetProperty("from").GetDouble());
        Assert.Equal(now.ToUnixTimeSeconds(), chart.GetProperty("to").GetDouble());
        Assert.All(baseline, b => Assert.InRange(b[1].GetDouble(), 99, 101));
        Assert.All(chart.GetProperty("band").EnumerateArray().Zip(baseline), pair =>
        {
            Assert.Equal(pair.Second[1].GetDouble() * 0.9, pair.First[1].GetDouble(), 6);
            Assert.Equal(pair.Second[1].GetDouble() * 1.1, pair.First[2].GetDouble(), 6);
        });
        Assert.Empty(chart.GetProperty("shaded").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task CurrentHour_TwiceAsSlow_ComparedWithTheBaselineLive()
    {
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-25), hours: 24, perHour: 10, ms: 100, """{"route":"/search","method":"GET","status":"200"}""");
        await AnalysisOf(app).RunAsync(CancellationToken.None);

        // The last 10 minutes, in memory (no analysis needed): 20 requests at 200 ms.
        await PushHourlyAsync(admin, now.AddMinutes(-10), hours: 1, perHour: 20, ms: 200, """{"route":"/search","method":"GET","status":"200"}""", spreadMinutes: 10);
        var operation = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray());

        var current = operation.GetProperty("current");
        Assert.Equal(20, current.GetProperty("figures").GetProperty("executions").GetInt64());
        Assert.InRange(current.GetProperty("figures").GetProperty("p95Ms").GetDouble(), 198, 202);
        Assert.InRange(current.GetProperty("p95ChangePercent").GetDouble(), 96, 104);
        Assert.InRange(current.GetProperty("avgChangePercent").GetDouble(), 99, 101);
    }

    [Fact]
    public async Task NewEndpoint_ListedFromItsFirstMinutes_BeforeAnyAnalysis_ThenAsStored()
    {
        // A fresh server: the first requests, and no analysis yet (one stores an operation after its first hour ends).
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        await PushHourlyAsync(admin, app.Time.GetUtcNow().AddMinutes(-10), hours: 1, perHour: 20, ms: 120, """{"route":"/cart","method":"POST","status":"200"}""", spreadMinutes: 10);

        var operation = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray());
        var id = operation.GetProperty("id").GetString()!;
        var detail = await admin.GetAsync($"/api/v1/operations/{id}");
        var summary = (await (await admin.GetAsync("/api/v1/metrics")).ReadAsync()).GetProperty("performance");

        Assert.Equal("POST /cart", operation.GetProperty("name").GetString());
        Assert.Equal(20, operation.GetProperty("current").GetProperty("figures").GetProperty("executions").GetInt64());
        Assert.Equal(JsonValueKind.Null, operation.GetProperty("baseline").ValueKind);
        Assert.Equal(JsonValueKind.Null, operation.GetProperty("summary").ValueKind);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 11, 0, 0, TimeSpan.Zero), operation.GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var body = await detail.ReadAsync();
        Assert.Equal(id, body.GetProperty("operation").GetProperty("id").GetString());
        Assert.Empty(body.GetProperty("baselines").EnumerateArray());
        Assert.Equal(1, summary.GetProperty("snapshot").GetProperty("operations").GetInt32());
        Assert.Empty((await (await admin.GetAsync("/api/v1/operations?kind=job")).ReadAsync()).EnumerateArray());

        // Once its hour is summed, it is the stored operation (listed once).
        app.Time.Advance(TimeSpan.FromMinutes(65));
        await app.Services.GetRequiredService<Vigil.Server.Persistence.MetricPersistence>().FlushAsync(app.Time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        await AnalysisOf(app).RunAsync(CancellationToken.None);
        var stored = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray());
        Assert.Equal(id, stored.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Object, stored.GetProperty("baseline").ValueKind);
    }

    [Fact]
    public async Task NewEndpoint_TakesItsPlaceByName_AmongStoredOnes_WithinTheLimit()
    {
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-3), hours: 2, perHour: 20, ms: 100, """{"route":"/zeta","method":"GET","status":"200"}""");
        await AnalysisOf(app).RunAsync(CancellationToken.None);
        await PushHourlyAsync(admin, now.AddMinutes(-10), hours: 1, perHour: 20, ms: 100, """{"route":"/alpha","method":"GET","status":"200"}""", spreadMinutes: 10);

        var first = Assert.Single((await (await admin.GetAsync("/api/v1/operations?limit=1")).ReadAsync()).EnumerateArray().ToArray());
        var busiest = Assert.Single((await (await admin.GetAsync("/api/v1/operations?sort=executions&limit=1")).ReadAsync()).EnumerateArray().ToArray());

        Assert.Equal("GET /alpha", first.GetProperty("name").GetString());
        Assert.Equal("GET /zeta", busiest.GetProperty("name").GetString()); // 40 in 24 hours against 20
    }

    [Fact]
    public async Task HourOfWeek_ThreeMondaysSlowAtNoon_NoonComparedWithMondayNoonsNotTheWeek()
    {
        // Arrange: three weeks of 5 requests an hour at 100 ms, except Mondays 12:00-13:00 at 300 ms.
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow(); // Monday 12:00
        var start = now.AddDays(-21);
        var body = new List<string>();
        for (var hour = 0; hour < 21 * 24; hour++)
        {
            var at = start.AddHours(hour);
            var ms = at.DayOfWeek == DayOfWeek.Monday && at.Hour == 12 ? 300 : 100;
            Append(body, at, 5, 60, ms, """{"route":"/report","method":"GET","status":"200"}""");
        }

        await PostPointsAsync(admin, body);
        await AnalysisOf(app).RunAsync(CancellationToken.None);

        // Act
        var list = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray());
        var detail = await (await admin.GetAsync($"/api/v1/operations/{list.GetProperty("id").GetString()}")).ReadAsync();

        // Assert: now (Monday 12:xx) is compared with the three Monday noons; all hours stay near 100 ms.
        var baseline = list.GetProperty("baseline");
        Assert.Equal("hour_of_week", baseline.GetProperty("level").GetString());
        Assert.Equal(12, baseline.GetProperty("hourOfWeek").GetInt32());
        Assert.Equal(15, baseline.GetProperty("figures").GetProperty("executions").GetInt64());
        Assert.InRange(baseline.GetProperty("figures").GetProperty("p50Ms").GetDouble(), 297, 303);
        var baselines = detail.GetProperty("baselines").EnumerateArray().ToArray();
        Assert.Equal("all_hours", baselines[0].GetProperty("level").GetString());
        Assert.InRange(baselines[0].GetProperty("figures").GetProperty("p50Ms").GetDouble(), 99, 101);
        Assert.Equal(168, baselines.Count(b => b.GetProperty("level").GetString() == "hour_of_week"));
        Assert.Equal(0.08, baselines[0].GetProperty("figures").GetProperty("throughputPerMinute").GetDouble()); // 5 an hour, two decimals
        Assert.Equal(47, detail.GetProperty("hours").GetArrayLength()); // the hour that just ended is summed 2 minutes later
    }

    [Fact]
    public async Task Trends_AndBottlenecks_FromTheLastTwoDays()
    {
        // Arrange: /checkout 100 ms the day before yesterday, 150 ms the last day; a job averaging
        // 90 s that fails 60 % of the time (seed 002: slow is medium, mostly failing is high).
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-49), hours: 24, perHour: 10, ms: 100, """{"route":"/checkout","method":"POST","status":"200"}""");
        await PushHourlyAsync(admin, now.AddHours(-25), hours: 24, perHour: 10, ms: 150, """{"route":"/checkout","method":"POST","status":"200"}""");
        await PushJobsAsync(admin, "import", now.AddHours(-21), count: 10, failed: 6, durationMs: 90_000);

        // Act
        await AnalysisOf(app).RunAsync(CancellationToken.None);
        var operations = (await (await admin.GetAsync("/api/v1/operations?sort=slowest")).ReadAsync()).EnumerateArray().ToArray();

        // Assert
        Assert.Equal(["import", "POST /checkout"], operations.Select(o => o.GetProperty("name").GetString()!).ToArray());
        var trend = operations[1].GetProperty("summary").GetProperty("trend24h");
        Assert.Equal("degrading", trend.GetProperty("direction").GetString());
        Assert.InRange(trend.GetProperty("changePercent").GetDouble(), 47, 53);
        Assert.Equal(JsonValueKind.Null, operations[1].GetProperty("summary").GetProperty("bottleneck").ValueKind);
        var bottleneck = operations[0].GetProperty("summary").GetProperty("bottleneck");
        Assert.Equal("high", bottleneck.GetProperty("severity").GetString());
        Assert.Equal(2, bottleneck.GetProperty("reasons").GetArrayLength());

        // The performance block of GET /api/v1/metrics (seed 002: snapshot, trends, slowest), and of one job.
        var performance = (await (await admin.GetAsync("/api/v1/metrics")).ReadAsync()).GetProperty("performance");
        var snapshot = performance.GetProperty("snapshot");
        Assert.Equal(2, snapshot.GetProperty("operations").GetInt32());
        Assert.Equal(2, snapshot.GetProperty("withBaseline").GetInt32());
        Assert.Equal(1, snapshot.GetProperty("degrading").GetInt32());
        Assert.Equal(1, snapshot.GetProperty("bottlenecks").GetInt32());
        Assert.Equal(0, snapshot.GetProperty("openRegressions").GetInt32());
        Assert.Equal("POST /checkout", Assert.Single(performance.GetProperty("trends").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(["import", "POST /checkout"], performance.GetProperty("slowest").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("24h", performance.GetProperty("slowest")[0].GetProperty("period").GetString());
        var oneJob = (await (await admin.GetAsync("/api/v1/metrics?jobId=import")).ReadAsync()).GetProperty("performance");
        Assert.Equal(1, oneJob.GetProperty("snapshot").GetProperty("operations").GetInt32());
    }

    [Fact]
    public async Task Analysis_RunAgain_SumsOnlyNewHoursAndPointsThatArrivedLate()
    {
        await using var app = StartApp(settings: ManualAnalysis);
        var admin = app.Admin();
        var now = app.Time.GetUtcNow();
        await PushHourlyAsync(admin, now.AddHours(-4), hours: 3, perHour: 10, ms: 100, """{"route":"/late","method":"GET","status":"200"}""");
        var analysis = AnalysisOf(app);
        var first = await analysis.RunAsync(CancellationToken.None);

        // Nothing new: nothing to do. Then a point arrives late for the last hour summed, and an hour passes.
        Assert.Null(await analysis.RunAsync(CancellationToken.None));
        await PushHourlyAsync(admin, now.AddMinutes(-90), hours: 1, perHour: 5, ms: 100, """{"route":"/late","method":"GET","status":"200"}""", spreadMinutes: 5);
        app.Time.Advance(TimeSpan.FromHours(1));
        var outcome = await analysis.RunAsync(CancellationToken.None);

        var operation = Assert.Single((await (await admin.GetAsync("/api/v1/operations")).ReadAsync()).EnumerateArray().ToArray());
        Assert.StartsWith("summed 3 hours (0 again for late points); baselines of 1 operations; read ", first, StringComparison.Ordinal); // from the first hour with executions, not 35 days back
        Assert.StartsWith("summed 1 hours (1 again for late points); baselines of 1 operations; read ", outcome, StringComparison.Ordinal); // the new hour has no executions
        Assert.Equal(35, operation.GetProperty("baseline").GetProperty("figures").GetProperty("executions").GetInt64());
    }

    [Fact]
    public async Task Analysis_NoExecutionsYet_SumsNoHourAndMovesOn()
    {
        await using var app = StartApp(settings: ManualAnalysis);
        var analysis = AnalysisOf(app);

        var first = await analysis.RunAsync(CancellationToken.None);
        var again = await analysis.RunAsync(CancellationToken.None);

        Assert.Equal("summed 0 hours (0 again for late points); baselines of 0 operations; read 0 stored sums", first);
        Assert.Null(again);
    }

    [Fact]
    public async Task AggregationSchedule_ListsThePerformanceTask()
    {
        await using var app = StartApp();

        var schedule = await (await app.Admin().GetAsync("/api/v1/schedules/aggregation")).ReadAsync();

        Assert.Contains("performance.operations", schedule.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("?kind=nope", "kind")]
    [InlineData("?sort=fastest", "sort")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?limit=1001", "limit")]
    public async Task List_MalformedQuery_ProblemNamesTheParameter(string query, string field)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().GetAsync($"/api/v1/operations{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Get_UnknownId_404Problem_AndIngestKeyCannotRead()
    {
        await using var app = StartApp(settings: ManualAnalysis);

        var missing = await app.Admin().GetAsync("/api/v1/operations/0123456789abcdef");
        var ingest = await (await app.ClientWithRoleAsync("ingest")).GetAsync("/api/v1/operations");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, ingest.StatusCode);
    }

    private static OperationAnalysis AnalysisOf(VigilApp app) => app.Services.GetServices<IScheduledTask>().OfType<OperationAnalysis>().Single();

    /// <summary><paramref name="perHour"/> timings an hour for <paramref name="hours"/> hours from <paramref name="start"/>, spread over the first <paramref name="spreadMinutes"/> minutes of each; the first <paramref name="errorsPerHour"/> of each hour with status 500.</summary>
    private static async Task PushHourlyAsync(HttpClient client, DateTimeOffset start, int hours, int perHour, double ms, string labels, int errorsPerHour = 0, int spreadMinutes = 60)
    {
        var body = new List<string>();
        for (var hour = 0; hour < hours; hour++)
        {
            Append(body, start.AddHours(hour), perHour, spreadMinutes, ms, labels, errorsPerHour);
        }

        await PostPointsAsync(client, body);
    }

    private static void Append(List<string> points, DateTimeOffset hourStart, int count, int spreadMinutes, double ms, string labels, int errors = 0)
    {
        for (var i = 0; i < count; i++)
        {
            var at = hourStart.AddSeconds(i * spreadMinutes * 60.0 / count);
            var pointLabels = i < errors ? labels.Replace("\"status\":\"200\"", "\"status\":\"500\"", StringComparison.Ordinal) : labels;
            points.Add(string.Create(CultureInfo.InvariantCulture, $"{{\"name\":\"http_request_duration_ms\",\"type\":\"timing\",\"value\":{ms},\"labels\":{pointLabels},\"timestamp\":\"{Json.Iso(at)}\"}}"));
        }
    }

    private static async Task PostPointsAsync(HttpClient client, List<string> points)
    {
        foreach (var batch in points.Chunk(1000)) // the API takes at most 1000 points a batch
        {
            (await client.PostJsonAsync("/api/v1/metrics", $"{{\"points\":[{string.Join(',', batch)}]}}")).EnsureSuccessStatusCode();
        }
    }

    private static async Task PushJobsAsync(HttpClient client, string jobId, DateTimeOffset start, int count, int failed, double durationMs)
    {
        var executions = Enumerable.Range(0, count).Select(i => new { jobId, success = i >= failed, durationMs, timestamp = start.AddMinutes(i * 10) });
        (await client.PostJsonAsync("/api/v1/jobs/executions", JsonSerializer.Serialize(new { executions }, JsonSerializerOptions.Web))).EnsureSuccessStatusCode();
    }
}

public sealed class SqliteOperationsTests(SharedServer shared) : OperationsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresOperationsTests(SharedServer shared) : OperationsTests(StorageProvider.Postgres, shared);
