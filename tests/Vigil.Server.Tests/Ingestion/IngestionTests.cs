using System.Net;
using System.Text.Json;
using Vigil.Storage;

namespace Vigil.Server.Tests.Ingestion;

public abstract class IngestionTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    public static TheoryData<string, string, string> MalformedBatches => new()
    {
        // body, field named in the problem, a fragment of its message
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\"", "$", "not valid JSON" },
        { "not json at all", "$", "not valid JSON" },
        { "[]", "$", "must be an object" },
        { "{\"points\":{}}", "points", "must be an array" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":\"NaN\"}]}", "points[0].value", "must be a number" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"colour\":\"red\"}]}", "points[0].colour", "not a known field" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1}],\"extra\":true}", "extra", "not a known field" },
        { "{\"points\":[{\"type\":\"gauge\",\"value\":1}]}", "points[0].name", "is required" },
        { "{\"points\":[{\"name\":\"9lives\",\"type\":\"gauge\",\"value\":1}]}", "points[0].name", "must match" },
        { "{\"points\":[{\"name\":\"vigil_mine\",\"type\":\"gauge\",\"value\":1}]}", "points[0].name", "reserved" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"histogram\",\"value\":1}]}", "points[0].type", "not one of counter, gauge, timing" },
        { "{\"points\":[{\"name\":\"a\",\"value\":1}]}", "points[0].type", "is required" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\"}]}", "points[0].value", "is required" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1e400}]}", "points[0].value", "finite" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"timing\",\"value\":-1}]}", "points[0].value", "cannot be negative" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":\"2026-11-23T14:00:01Z\"}]}", "points[0].timestamp", "in the future" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":\"2026-10-01T00:00:00Z\"}]}", "points[0].timestamp", "older than the retention" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":\"yesterday\"}]}", "points[0].timestamp", "ISO-8601" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{\"bad-name\":\"x\"}}]}", "points[0].labels.bad-name", "must match" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{\"__name__\":\"x\"}}]}", "points[0].labels.__name__", "reserved" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{\"k\":5}}]}", "points[0].labels.k", "must be a string" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{\"k\":null}}]}", "points[0].labels.k", "not null" },
        { "{\"points\":[{\"name\":\"a\",\"type\":\"timing\",\"value\":1,\"labels\":{\"quantile\":\"x\"}}]}", "points[0].labels.quantile", "reserved" },
        { "{\"points\":[null]}", "points[0]", "not null" },
        { "{}", "points", "is required" },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task PostMetrics_MalformedBatch_ProblemNamesTheField(string body, string field, string message)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();

        var response = await client.PostJsonAsync("/api/v1/metrics", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMetrics_RouteWithQueryString_StoredWithoutIt()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var now = app.Time.GetUtcNow();

        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [10], """{"route":"/users?token=abc&email=jane@example.com","method":"GET"}""", now))).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [20], """{"route":"/users#ssn=123-45-6789","method":"GET"}""", now))).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [30], """{"route":"/users","method":"GET","note":"keep?this"}""", now))).EnsureSuccessStatusCode();

        var answer = await (await client.GetAsync("/api/v1/series?metric=lat&agg=count")).ReadAsync();
        var series = answer.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(2, series.Count); // the first two are one series: route /users, method GET
        Assert.All(series, s => Assert.Equal("/users", s.GetProperty("labels").GetProperty("route").GetString()));
        Assert.Equal(2, series.Single(s => !s.GetProperty("labels").TryGetProperty("note", out _)).GetProperty("points")[0][1].GetDouble());
        Assert.Equal("keep?this", series.Single(s => s.GetProperty("labels").TryGetProperty("note", out _)).GetProperty("labels").GetProperty("note").GetString()); // only route labels
        Assert.DoesNotContain("token", answer.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMetrics_ManyBadPoints_ListsEachByIndexAndRecordsNothing()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var body = """
            {"points":[
              {"name":"good","type":"gauge","value":1},
              {"name":"","type":"gauge","value":1},
              {"name":"good","type":"gauge","value":1,"labels":{"a":"x"}},
              {"name":"good","type":"meter","value":1},
              {"name":"lat","type":"timing","value":-5}
            ]}
            """;

        var response = await client.PostJsonAsync("/api/v1/metrics", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.Equal(["points[1].name", "points[3].type", "points[4].value"], errors.EnumerateObject().Select(p => p.Name).Order().ToArray());
        var series = await (await client.GetAsync("/api/v1/series?metric=good&agg=count")).ReadAsync();
        Assert.Empty(series.GetProperty("series").EnumerateArray());
    }

    [Fact]
    public async Task PostMetrics_TooManyLabelsOrLongValue_Rejected()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var labels = string.Join(',', Enumerable.Range(0, 33).Select(i => $"\"l{i}\":\"v\""));
        var longValue = new string('x', 1025);

        var tooMany = await client.PostJsonAsync("/api/v1/metrics", $"{{\"points\":[{{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{{{labels}}}}}]}}");
        var tooLong = await client.PostJsonAsync("/api/v1/metrics", $"{{\"points\":[{{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"labels\":{{\"k\":\"{longValue}\"}}}}]}}");

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.True((await tooMany.ReadAsync()).GetProperty("errors").TryGetProperty("points[0].labels", out _));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True((await tooLong.ReadAsync()).GetProperty("errors").TryGetProperty("points[0].labels.k", out _));
    }

    [Fact]
    public async Task PostMetrics_BatchLargerThanLimit_Rejected()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Metrics:MaxPointsPerBatch"] = "10" });
        var client = app.Admin();

        var response = await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", Enumerable.Repeat(1.0, 11), "{}", app.Time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 10", (await response.ReadAsync()).GetProperty("errors").GetProperty("points")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMetrics_MetricNameUnderAnotherType_RejectedWhole()
    {
        await using var app = StartApp();
        var client = app.Admin();
        (await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"queue_depth","type":"gauge","value":5}]}""")).EnsureSuccessStatusCode();

        var response = await client.PostJsonAsync("/api/v1/metrics",
            """{"points":[{"name":"other","type":"gauge","value":1},{"name":"queue_depth","type":"counter","value":1}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is a gauge", (await response.ReadAsync()).GetProperty("errors").GetProperty("points[1].type")[0].GetString(), StringComparison.Ordinal);
        var other = await (await client.GetAsync("/api/v1/series?metric=other&agg=count")).ReadAsync();
        Assert.Empty(other.GetProperty("series").EnumerateArray());
    }

    [Fact]
    public async Task PostMetrics_MalformedInputBetweenValidBatches_LosesNothingAndServerStaysUp()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var now = app.Time.GetUtcNow();

        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [10, 20], "{}", now))).EnsureSuccessStatusCode();
        foreach (var (body, _, _) in MalformedBatches.Select(row => ((string)row[0], (string)row[1], (string)row[2])))
        {
            var bad = await client.PostJsonAsync("/api/v1/metrics", body);
            Assert.True((int)bad.StatusCode is >= 400 and < 500, $"{body} -> {bad.StatusCode}");
        }

        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [30], "{}", now))).EnsureSuccessStatusCode();

        var sum = await (await client.GetAsync("/api/v1/series?metric=lat&agg=sum")).ReadAsync();
        Assert.Equal(60, sum.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task PostMetrics_PastTheSeriesLimit_Refused422AndCounted()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Metrics:MaxSeries"] = "3" });
        var client = app.Admin();
        // Vigil's own request timings take no place under the limit (see MetricStore.OwnPrefix): two of three taken.
        var first = await client.PostJsonAsync("/api/v1/metrics",
            """{"points":[{"name":"a","type":"gauge","value":1,"labels":{"i":"1"}},{"name":"a","type":"gauge","value":1,"labels":{"i":"2"}}]}""");
        first.EnsureSuccessStatusCode();

        var refused = await client.PostJsonAsync("/api/v1/metrics",
            """{"points":[{"name":"a","type":"gauge","value":7,"labels":{"i":"1"}},{"name":"a","type":"gauge","value":1,"labels":{"i":"3"}},{"name":"a","type":"gauge","value":1,"labels":{"i":"4"}}]}""");
        var existing = await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"a","type":"gauge","value":9,"labels":{"i":"1"}}]}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.ReadAsync();
        Assert.Equal("Too many series", problem.GetProperty("title").GetString());
        Assert.Contains("Vigil:Metrics:MaxSeries", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("points[1]", out _));
        Assert.Equal(HttpStatusCode.Accepted, existing.StatusCode);
        var last = await (await client.GetAsync("/api/v1/series?metric=a&agg=last&match[i]=1")).ReadAsync();
        Assert.Equal(9, last.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        var metrics = await (await client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Matches(@"(?m)^vigil_series_refused_total [1-9]", metrics);
    }

    [Fact]
    public async Task PostJobExecutions_Valid_SummaryShowsSuccessRateAndTimes()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var at = Json.Iso(app.Time.GetUtcNow());
        var executions = string.Join(',', Enumerable.Range(1, 20).Select(i =>
            $"{{\"jobId\":\"content-generation\",\"success\":{(i <= 18 ? "true" : "false")},\"durationMs\":{i * 1000},\"timestamp\":\"{at}\",\"metadata\":{{\"run\":{i}}}}}"));

        var response = await client.PostJsonAsync("/api/v1/jobs/executions", $"{{\"executions\":[{executions},{{\"jobId\":\"export-data\",\"success\":true,\"durationMs\":5}}]}}");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(21, (await response.ReadAsync()).GetProperty("accepted").GetInt32());
        var summary = await (await client.GetAsync("/api/v1/metrics?jobId=content-generation")).ReadAsync();
        var job = Assert.Single(summary.GetProperty("jobs").EnumerateArray());
        Assert.Equal("content-generation", job.GetProperty("jobId").GetString());
        Assert.Equal(20, job.GetProperty("totalExecutions").GetInt64());
        Assert.Equal(90, job.GetProperty("successRate").GetDouble());
        Assert.Equal(10_500, job.GetProperty("avgExecutionTime").GetDouble(), 6);
        // p95 of 1..20 s: the 19th value (rank floor(0.95 × 19) = 18), within the sketch's 1 %.
        Assert.Equal(19_000, job.GetProperty("p95ExecutionTime").GetDouble(), 190.0);
        var all = await (await client.GetAsync("/api/v1/metrics")).ReadAsync();
        Assert.Equal(2, all.GetProperty("jobs").GetArrayLength());
    }

    [Fact]
    public async Task PostJobExecutions_Malformed_ProblemNamesTheExecution()
    {
        await using var app = StartApp();
        var client = app.Admin();

        var response = await client.PostJsonAsync("/api/v1/jobs/executions",
            """{"executions":[{"jobId":"a","success":true,"durationMs":5},{"jobId":"","success":true,"durationMs":-1},{"jobId":"b","durationMs":1}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.Equal(["executions[1].durationMs", "executions[1].jobId", "executions[2].success"], errors.EnumerateObject().Select(p => p.Name).Order().ToArray());
    }

    [Fact]
    public async Task GetMetricsSummary_PrometheusFormat_ListsJobSeries()
    {
        await using var app = StartApp();
        var client = app.Admin();
        (await client.PostJsonAsync("/api/v1/jobs/executions", """{"executions":[{"jobId":"a","success":true,"durationMs":1500},{"jobId":"b","success":false,"durationMs":10}]}""")).EnsureSuccessStatusCode();

        var text = await (await client.GetAsync("/api/v1/metrics?format=prometheus&jobId=a")).Content.ReadAsStringAsync();

        Assert.Contains("job_execution_duration_seconds_count{job_id=\"a\",status=\"success\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("job_executions_total{job_id=\"a\",status=\"success\"} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("job_id=\"b\"", text, StringComparison.Ordinal);
    }
}

public sealed class SqliteIngestionTests(SharedServer shared) : IngestionTests(StorageProvider.Sqlite, shared);

public sealed class PostgresIngestionTests(SharedServer shared) : IngestionTests(StorageProvider.Postgres, shared);
