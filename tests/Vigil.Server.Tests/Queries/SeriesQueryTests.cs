using System.Net;
using System.Text.Json;
using Vigil.Storage;

namespace Vigil.Server.Tests.Queries;

public abstract class SeriesQueryTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    [Fact]
    public async Task GetSeries_P95PerLabelSet_WithinOnePercentOfExact()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var random = new Random(42);
        var now = app.Time.GetUtcNow();
        var fast = Enumerable.Range(0, 2000).Select(_ => Math.Round(Math.Exp(3 + random.NextDouble() * 2), 3)).ToArray();
        var slow = Enumerable.Range(0, 2000).Select(_ => Math.Round(800 + random.NextDouble() * 4000, 3)).ToArray();
        foreach (var chunk in fast.Chunk(1000))
        {
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", chunk, """{"route":"/fast","method":"GET"}""", now.AddSeconds(-30)))).EnsureSuccessStatusCode();
        }

        foreach (var chunk in slow.Chunk(1000))
        {
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("http_request_duration_ms", chunk, """{"route":"/slow","method":"GET"}""", now.AddMinutes(-5)))).EnsureSuccessStatusCode();
        }

        var response = await client.GetAsync("/api/v1/series?metric=http_request_duration_ms&agg=p95");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal("p95", body.GetProperty("agg").GetString());
        var byRoute = body.GetProperty("series").EnumerateArray().ToDictionary(
            s => s.GetProperty("labels").GetProperty("route").GetString()!, s => s.GetProperty("points")[0][1].GetDouble());
        AssertWithinOnePercent(Exact(fast, 0.95), byRoute["/fast"]);
        AssertWithinOnePercent(Exact(slow, 0.95), byRoute["/slow"]);
    }

    [Fact]
    public async Task GetSeries_MatchAndStep_ReturnsConsecutiveBucketsFromFrom()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var start = app.Time.GetUtcNow().AddMinutes(-10);
        for (var minute = 0; minute < 3; minute++)
        {
            var at = start.AddMinutes(minute).AddSeconds(5);
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", Enumerable.Repeat(100.0 * (minute + 1), minute + 1), """{"route":"/a"}""", at))).EnsureSuccessStatusCode();
            (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("lat", [1], """{"route":"/b"}""", at))).EnsureSuccessStatusCode();
        }

        var from = start.ToUnixTimeSeconds();
        var response = await client.GetAsync($"/api/v1/series?metric=lat&match[route]=/a&agg=count&from={from}&to={from + 180}&step=60s");

        var series = Assert.Single((await response.ReadAsync()).GetProperty("series").EnumerateArray());
        Assert.Equal("/a", series.GetProperty("labels").GetProperty("route").GetString());
        var points = series.GetProperty("points").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray();
        Assert.Equal([(from, 1.0), (from + 60, 2.0), (from + 120, 3.0)], points);
    }

    [Fact]
    public async Task GetSeries_EveryAggregation_OnAHandComputedExample()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var at = app.Time.GetUtcNow().AddMinutes(-2);
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("req", [100, 200, 300], """{"status":"200"}""", at))).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("req", [1000], """{"status":"503"}""", at.AddSeconds(1)))).EnsureSuccessStatusCode();
        var from = at.ToUnixTimeSeconds() - (at.ToUnixTimeSeconds() % 60);
        var range = $"&from={from}&to={from + 600}";

        async Task<double> ValueAsync(string agg)
        {
            var body = await (await client.GetAsync($"/api/v1/series?metric=req&agg={agg}{range}")).ReadAsync();
            var all = body.GetProperty("series").EnumerateArray().ToArray();
            // Merge across the two label sets the way a user reads "the metric": one series per status.
            return all.Length == 1 ? all[0].GetProperty("points")[0][1].GetDouble() : double.NaN;
        }

        var ok = await (await client.GetAsync($"/api/v1/series?metric=req&match[status]=200&agg=avg{range}")).ReadAsync();
        Assert.Equal(200, ok.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        var errors = await (await client.GetAsync($"/api/v1/series?metric=req&agg=error_rate_percent{range}")).ReadAsync();
        var rates = errors.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("labels").GetProperty("status").GetString()!, s => s.GetProperty("points")[0][1].GetDouble());
        Assert.Equal(0, rates["200"]);
        Assert.Equal(100, rates["503"]);
        var perMinute = await (await client.GetAsync($"/api/v1/series?metric=req&match[status]=200&agg=rate_per_minute{range}")).ReadAsync();
        Assert.Equal(0.3, perMinute.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble(), 6);
        foreach (var (agg, expected) in new[] { ("count", 3.0), ("sum", 600), ("min", 100), ("max", 300), ("last", 300) })
        {
            var body = await (await client.GetAsync($"/api/v1/series?metric=req&match[status]=200&agg={agg}{range}")).ReadAsync();
            Assert.Equal(expected, body.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        }

        Assert.True(double.IsNaN(await ValueAsync("count")), "two label sets give two series");
    }

    [Theory]
    [InlineData("agg=p95", "metric")]
    [InlineData("metric=lat&agg=p42", "agg")]
    [InlineData("metric=lat&from=yesterday", "from")]
    [InlineData("metric=lat&to=not-a-time", "to")]
    [InlineData("metric=lat&step=15s", "step")]
    [InlineData("metric=lat&step=banana", "step")]
    [InlineData("metric=lat&step=10s&from=0&to=2000000000", "step")]
    [InlineData("metric=lat&from=2000000000&to=1000000000", "from")]
    [InlineData("metric=lat&colour=red", "colour")]
    [InlineData("metric=count_me&agg=p95", "agg")]
    public async Task GetSeries_BadQuery_ProblemNamesTheParameter(string query, string field)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        (await client.PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"count_me","type":"counter","value":1}]}""")).EnsureSuccessStatusCode();

        var response = await client.GetAsync($"/api/v1/series?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task GetSeries_UnknownMetric_EmptyList()
    {
        await using var app = StartApp();

        var body = await (await app.Admin().GetAsync("/api/v1/series?metric=nothing_here&agg=count")).ReadAsync();

        Assert.Equal(JsonValueKind.Array, body.GetProperty("series").ValueKind);
        Assert.Empty(body.GetProperty("series").EnumerateArray());
    }

    private static double Exact(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(1, (int)Math.Ceiling(q * sorted.Length)) - 1];
    }

    private static void AssertWithinOnePercent(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 0.01 * expected, $"expected {expected} ± 1 %, got {actual}");
}

public sealed class SqliteSeriesQueryTests(SharedServer shared) : SeriesQueryTests(StorageProvider.Sqlite, shared);

public sealed class PostgresSeriesQueryTests(SharedServer shared) : SeriesQueryTests(StorageProvider.Postgres, shared);
