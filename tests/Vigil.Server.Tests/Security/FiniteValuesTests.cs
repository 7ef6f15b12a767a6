using System.Data.Common;
using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;
using Vigil.Storage;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, High 1: an ingest key could store an infinite aggregate (two timings of
/// double.MaxValue under an <c>avg &gt; 100</c> rule) and every answer carrying it failed for
/// good. Values are bounded at ingest, aggregates saturate instead of overflowing, and rows a
/// database already holds from before are read as finite values.
/// </summary>
public abstract class FiniteValuesTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string AvgRule = """
        {"name":"Huge average","metric":"huge_ms","aggregation":"avg","windowMinutes":5,"minDataPoints":1,
         "thresholdType":"static","threshold":100,"comparison":"greater_than","severity":"critical","channels":[]}
        """;

    [Fact]
    public async Task PostMetrics_TwoTimingsOfDoubleMaxValue_RefusedNamingEachValue_AlertsStillAnswer()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var client = app.Admin();
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/alerts/rules", AvgRule)).StatusCode);

        var response = await client.PostJsonAsync("/api/v1/metrics", Json.Timings("huge_ms", [double.MaxValue, double.MaxValue], "{}", app.Time.GetUtcNow()));
        var jobs = await client.PostJsonAsync("/api/v1/jobs/executions",
            """{"executions":[{"jobId":"nightly","success":true,"durationMs":1.7976931348623157e308}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.Contains("between -1e15 and 1e15", errors.GetProperty("points[0].value")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("between -1e15 and 1e15", errors.GetProperty("points[1].value")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, jobs.StatusCode);
        Assert.Contains("at most 1e15", (await jobs.ReadAsync()).GetProperty("errors").GetProperty("executions[0].durationMs")[0].GetString(), StringComparison.Ordinal);
        await app.RunPassAsync();
        Assert.Empty(await EveryEndpoint.ReadAllAsync(client, "huge_ms"));
    }

    [Fact]
    public async Task PostMetrics_ManyValuesAtTheLimit_AggregatesFinite_AlertFires_EveryEndpointAnswers()
    {
        var time = VigilApp.NewClock();
        await using (var app = StartApp(time, VigilApp.ManualPasses()))
        {
            var client = app.Admin();
            Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/alerts/rules", AvgRule)).StatusCode);

            // The largest accepted values, as timings, gauges, counters and job durations.
            var accepted = await client.PostJsonAsync("/api/v1/metrics", Json.Timings("huge_ms", Enumerable.Repeat(1e15, 5000), "{}", time.GetUtcNow().AddSeconds(-5)));
            var gauges = await client.PostJsonAsync("/api/v1/metrics",
                """{"points":[{"name":"level","type":"gauge","value":1e15},{"name":"level","type":"gauge","value":-1e15},{"name":"level","type":"gauge","value":5e-324},{"name":"total","type":"counter","value":1e15},{"name":"total","type":"counter","value":1e15}]}""");
            var jobs = await client.PostJsonAsync("/api/v1/jobs/executions",
                """{"executions":[{"jobId":"nightly","success":true,"durationMs":1e15},{"jobId":"nightly","success":false,"durationMs":1e15}]}""");
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, gauges.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, jobs.StatusCode);
            await app.RunPassAsync();

            var alert = Assert.Single(await EveryEndpoint.ReadAllAsync(client, "huge_ms", "level", "total", "job_execution_duration_ms"));
            Assert.Equal("firing", alert.GetProperty("status").GetString());
            Assert.Equal(1e15, alert.GetProperty("value").GetDouble());
            var sum = await (await client.GetAsync("/api/v1/series?metric=huge_ms&agg=sum")).ReadAsync();
            Assert.Equal(5e18, sum.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        }

        // Restarted: the rollups and the alert come back from the database.
        time.Advance(TimeSpan.FromMinutes(2));
        await using var again = StartApp(time, VigilApp.ManualPasses());
        await again.RunPassAsync();
        var alerts = await EveryEndpoint.ReadAllAsync(again.Admin(), "huge_ms", "level", "total", "job_execution_duration_ms");
        Assert.Equal(1e15, Assert.Single(alerts).GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task DatabasePoisonedBeforeTheFix_InfinityAndNaNStored_EveryEndpointAnswers_ThenResolveAndDelete()
    {
        var time = VigilApp.NewClock();
        string ruleId;
        await using (var app = StartApp(time, VigilApp.ManualPasses()))
        {
            var client = app.Admin();
            ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", AvgRule)).ReadAsync()).GetProperty("id").GetString()!;
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("huge_ms", [500, 700], "{}", time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();
            await app.RunPassAsync();
        } // stopping flushes the rollups

        // What a server before the fix stored: an infinite alert value and infinite (or NaN) rollups.
        await ExecuteAsync("UPDATE alerts SET value = @inf, threshold = @nan", ("inf", double.PositiveInfinity), ("nan", double.NaN));
        // (SQLite cannot hold NaN: its driver refuses it, and a NaN bound another way is NULL, which the NOT NULL rollup columns refuse.)
        var nan = Provider == StorageProvider.Sqlite ? double.NegativeInfinity : double.NaN;
        Assert.True(await ExecuteAsync("UPDATE rollups_1m SET sum = @inf, max = @inf, min = @ninf, last = @nan", ("inf", double.PositiveInfinity), ("ninf", double.NegativeInfinity), ("nan", nan)) >= 1);

        time.Advance(TimeSpan.FromMinutes(1));
        await using var again = StartApp(time, VigilApp.ManualPasses());
        var admin = again.Admin();
        var alert = Assert.Single(await EveryEndpoint.ReadAllAsync(admin, "huge_ms"));
        Assert.Equal(double.MaxValue, alert.GetProperty("value").GetDouble());
        await again.RunPassAsync();
        await EveryEndpoint.ReadAllAsync(admin, "huge_ms");

        var resolved = await admin.PostJsonAsync($"/api/v1/alerts/{alert.GetProperty("id").GetString()}/resolve", "");
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        await EveryEndpoint.ReadAllAsync(admin, "huge_ms");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/alerts/rules/{ruleId}")).StatusCode);
        Assert.NotEmpty(await EveryEndpoint.ReadAllAsync(admin, "huge_ms"));
    }

    /// <summary>Numbers at and past every edge: the largest doubles, the smallest denormal, negative zero, beyond double and long range.</summary>
    private static readonly string[] Extremes =
    [
        "1.7976931348623157e308", "-1.7976931348623157e308", "1e308", "-1e308", "1e400", "-1e400", "4.9e-324", "5e-324", "-5e-324",
        "1e-300", "-0", "-0.0", "0", "0.5", "1e15", "-1e15", "1.000000000000001e15", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890",
    ];

    [Fact]
    public async Task ExtremesOfEveryNumericField_RefusedAs4xxProblemsOrAccepted_ThenNoEndpointAnswers5xx()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var client = app.Admin();
        var at = Json.Iso(app.Time.GetUtcNow().AddSeconds(-5));
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", AvgRule.Replace("huge_ms", "x_gauge", StringComparison.Ordinal))).ReadAsync()).GetProperty("id").GetString();
        var channelId = (await (await client.PostJsonAsync("/api/v1/channels", """{"name":"ops","type":"webhook","config":{"url":"https://hooks.example.com/vigil"}}""")).ReadAsync()).GetProperty("id").GetString();
        (await client.PostJsonAsync("/api/v1/metrics", $$"""{"points":[{"name":"x_gauge","type":"gauge","value":500,"timestamp":"{{at}}"}]}""")).EnsureSuccessStatusCode();
        await app.RunPassAsync();
        var alertId = (await (await client.GetAsync("/api/v1/alerts")).ReadAsync())[0].GetProperty("id").GetString();

        // JSON written with single quotes, for readability inside interpolations.
        static string J(string json) => json.Replace('\'', '"');
        static string RuleWith(string metric, string fields) =>
            J($"{{'name':'r','metric':'{metric}','aggregation':'avg','windowMinutes':5,'minDataPoints':1,'comparison':'greater_than','channels':[],{fields}}}");
        var bodies = new List<(string Method, string Url, Func<string, string> Body)>
        {
            ("POST", "/api/v1/metrics", x => J($"{{'points':[{{'name':'x_gauge','type':'gauge','value':{x},'timestamp':'{at}'}}]}}")),
            ("POST", "/api/v1/metrics", x => J($"{{'points':[{{'name':'x_counter','type':'counter','value':{x},'timestamp':'{at}'}}]}}")),
            ("POST", "/api/v1/metrics", x => J($"{{'points':[{{'name':'x_timing','type':'timing','value':{x},'timestamp':'{at}'}}]}}")),
            ("POST", "/api/v1/jobs/executions", x => J($"{{'executions':[{{'jobId':'j','success':true,'durationMs':{x},'timestamp':'{at}'}}]}}")),
            ("POST", "/api/v1/silences", x => J($"{{'ruleId':'{ruleId}','durationMinutes':{x}}}")),
            ("POST", $"/api/v1/alerts/{alertId}/silence", x => J($"{{'durationMinutes':{x}}}")),
            ("POST", "/api/v1/channels", x => J($"{{'name':'c{Guid.NewGuid():N}','type':'webhook','maxConcurrency':{x},'config':{{'url':'https://hooks.example.com/vigil'}}}}")),
            ("POST", "/api/v1/channels", x => J($"{{'name':'c{Guid.NewGuid():N}','type':'webhook','digestMinutes':{x},'config':{{'url':'https://hooks.example.com/vigil'}}}}")),
            ("PATCH", $"/api/v1/channels/{channelId}", x => J($"{{'maxConcurrency':{x}}}")),
            ("PATCH", $"/api/v1/channels/{channelId}", x => J($"{{'digestMinutes':{x}}}")),
        };
        foreach (var metric in new[] { "x_gauge", "x_timing" })
        {
            foreach (var field in new[] { "windowMinutes", "minDataPoints", "forSeconds", "cooldownMinutes", "repeatIntervalMinutes", "recoveryThreshold" })
            {
                bodies.Add(("POST", "/api/v1/alerts/rules", x => RuleWith(metric, J($"'thresholdType':'static','threshold':100,'{field}':{x}"))
                    .Replace($"\"{field}\":5,", "", StringComparison.Ordinal).Replace($"\"{field}\":1,", "", StringComparison.Ordinal)));
                bodies.Add(("PATCH", $"/api/v1/alerts/rules/{ruleId}", x => J($"{{'{field}':{x}}}")));
            }

            bodies.Add(("POST", "/api/v1/alerts/rules", x => RuleWith(metric, J($"'thresholdType':'static','threshold':{x}"))));
            bodies.Add(("POST", "/api/v1/alerts/rules", x => RuleWith(metric, J($"'thresholdType':'percent_change','threshold':{x}"))));
            bodies.Add(("POST", "/api/v1/alerts/rules", x => RuleWith(metric, J($"'thresholdType':'dynamic','baselineMultiplier':{x},'baselineDays':1"))));
            bodies.Add(("POST", "/api/v1/alerts/rules", x => RuleWith(metric, J($"'thresholdType':'dynamic','baselineMultiplier':2,'baselineDays':{x}"))));
            bodies.Add(("POST", "/api/v1/alerts/rules/test?step=10m", x => RuleWith(metric, J($"'thresholdType':'static','threshold':{x}"))));
            bodies.Add(("POST", "/api/v1/alerts/rules/test?step=10m", x => RuleWith(metric, J($"'thresholdType':'dynamic','baselineMultiplier':{x},'baselineDays':1"))));
        }

        var queries = new[]
        {
            "/api/v1/series?metric=x_gauge&agg=sum&step={0}", "/api/v1/series?metric=x_gauge&agg=avg&from={0}", "/api/v1/series?metric=x_gauge&agg=rate_per_second&to={0}",
            "/api/v1/alerts?from={0}", "/api/v1/alerts?to={0}", "/api/v1/alerts?limit={0}", "/api/v1/alerts/stats?window={0}", "/api/v1/metrics?window={0}",
            "/api/v1/deliveries?limit={0}", "/api/v1/relay/requests?limit={0}", "/api/v1/notifications?limit={0}",
            $"/api/v1/alerts/rules/{ruleId}/test?step={{0}}", $"/api/v1/alerts/rules/{ruleId}/test?from={{0}}", $"/api/v1/alerts/rules/{ruleId}/test?to={{0}}",
        };

        foreach (var x in Extremes)
        {
            foreach (var (method, url, body) in bodies)
            {
                var sent = body(x);
                var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = Json.Body(sent) });
                await EveryEndpoint.AssertNot5xxAsync(response, $"{method} {url} {sent}");
            }

            foreach (var query in queries)
            {
                var url = string.Format(CultureInfo.InvariantCulture, query, Uri.EscapeDataString(x));
                var response = url.Contains("/test?", StringComparison.Ordinal) ? await client.PostAsync(url, null) : await client.GetAsync(url);
                await EveryEndpoint.AssertNot5xxAsync(response, $"{url}");
            }
        }

        // The values that were accepted are evaluated by every rule that was accepted, then read everywhere.
        app.Time.Advance(TimeSpan.FromSeconds(30));
        await app.RunPassAsync();
        await EveryEndpoint.ReadAllAsync(client, "x_gauge", "x_counter", "x_timing", "job_execution_duration_ms");
        var refused = await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"x_gauge","type":"gauge","value":1.000000000000001e15}]}""");
        Assert.Contains("between -1e15 and 1e15", (await refused.ReadAsync()).GetProperty("errors").GetProperty("points[0].value")[0].GetString(), StringComparison.Ordinal);
    }

    private async Task<int> ExecuteAsync(string sql, params (string Name, double Value)[] parameters)
    {
        await using DbConnection connection = Provider == StorageProvider.Sqlite
            ? new SqliteConnection(Database.Options.ConnectionString)
            : new NpgsqlConnection(Database.Options.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = Provider == StorageProvider.Sqlite ? sql.Replace("@", "$", StringComparison.Ordinal) : sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = (Provider == StorageProvider.Sqlite ? "$" : "") + name;
            parameter.Value = Provider == StorageProvider.Sqlite && double.IsNaN(value) ? DBNull.Value : value; // SQLite stores NaN as NULL
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteFiniteValuesTests() : FiniteValuesTests(StorageProvider.Sqlite);

public sealed class PostgresFiniteValuesTests() : FiniteValuesTests(StorageProvider.Postgres);
