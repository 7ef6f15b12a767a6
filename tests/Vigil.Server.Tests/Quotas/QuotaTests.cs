using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Storage;

namespace Vigil.Server.Tests.Quotas;

/// <summary>Per-key series and rate quotas, the usage view and dropping series (issue 9, Medium 6).</summary>
public abstract class QuotaTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private static Dictionary<string, string?> SeriesQuota(int perKey) => new() { ["Vigil:Quotas:SeriesPerKey"] = perKey.ToString(CultureInfo.InvariantCulture) };

    private static string Gauges(string name, params int[] ids) =>
        "{\"points\":[" + string.Join(',', ids.Select(i => $"{{\"name\":\"{name}\",\"type\":\"gauge\",\"value\":{i},\"labels\":{{\"i\":\"{i}\"}}}}")) + "]}";

    private static async Task<(string Id, string Secret)> CreateKeyAsync(VigilApp app, string name, string extra = "")
    {
        var response = await app.Admin().PostJsonAsync("/api/v1/keys", $$"""{"name":"{{name}}","role":"ingest"{{extra}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    private static async Task<JsonElement> UsageOfAsync(VigilApp app, string keyId)
    {
        var usage = await (await app.Admin().GetAsync("/api/v1/series/usage")).ReadAsync();
        return usage.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == keyId);
    }

    [Fact]
    public async Task PostMetrics_KeyOverItsSeriesQuota_Refused422WhileOtherKeysStillCreateSeries()
    {
        await using var app = StartApp(settings: SeriesQuota(3));
        var (_, greedySecret) = await CreateKeyAsync(app, "greedy");
        var (_, otherSecret) = await CreateKeyAsync(app, "other");
        var greedy = app.WithKey(greedySecret);
        var other = app.WithKey(otherSecret);
        (await greedy.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3))).EnsureSuccessStatusCode();

        var refused = await greedy.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 4));
        var existing = await greedy.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3));
        var others = await other.PostJsonAsync("/api/v1/metrics", Gauges("b", 1, 2, 3));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.ReadAsync();
        Assert.Equal("Series quota reached", problem.GetProperty("title").GetString());
        Assert.Contains("Vigil:Quotas:SeriesPerKey", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["points[1]"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToArray());
        Assert.Equal(HttpStatusCode.Accepted, existing.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, others.StatusCode);
        var series = await (await app.Admin().GetAsync("/api/v1/series?metric=a&agg=count")).ReadAsync();
        Assert.Equal(3, series.GetProperty("series").GetArrayLength());
    }

    [Fact]
    public async Task SeriesOwnership_AfterARestart_StillCountsAgainstTheKey()
    {
        var time = VigilApp.NewClock();
        string keyId, secret;
        await using (var first = StartApp(time, SeriesQuota(3)))
        {
            (keyId, secret) = await CreateKeyAsync(first, "restarted");
            (await first.WithKey(secret).PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3))).EnsureSuccessStatusCode();
        }

        time.Advance(TimeSpan.FromMinutes(2));
        await using var second = StartApp(time, SeriesQuota(3));

        var refused = await second.WithKey(secret).PostJsonAsync("/api/v1/metrics", Gauges("a", 4));
        var others = await second.Admin().PostJsonAsync("/api/v1/metrics", Gauges("b", 1, 2, 3));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, others.StatusCode);
        var usage = await UsageOfAsync(second, keyId);
        Assert.Equal(3, usage.GetProperty("series").GetInt32());
        Assert.Equal(3, usage.GetProperty("seriesQuota").GetInt32());
    }

    [Fact]
    public async Task CreateKey_WithItsOwnSeriesQuota_OverridesTheDefault()
    {
        await using var app = StartApp(settings: SeriesQuota(100));
        var (keyId, secret) = await CreateKeyAsync(app, "small", ""","seriesQuota":2""");
        var client = app.WithKey(secret);

        var within = await client.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2));
        var past = await client.PostJsonAsync("/api/v1/metrics", Gauges("a", 3));

        Assert.Equal(HttpStatusCode.Accepted, within.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, past.StatusCode);
        Assert.Equal(2, (await UsageOfAsync(app, keyId)).GetProperty("seriesQuota").GetInt32());
        var listed = await (await app.Admin().GetAsync("/api/v1/keys")).ReadAsync();
        Assert.Equal(2, listed.EnumerateArray().Single(k => k.GetProperty("id").GetString() == keyId).GetProperty("seriesQuota").GetInt64());
    }

    public static TheoryData<string, string, string> MalformedQuotas => new()
    {
        { "\"seriesQuota\":0", "seriesQuota", "whole number from 1" },
        { "\"seriesQuota\":-5", "seriesQuota", "whole number from 1" },
        { "\"seriesQuota\":1.5", "seriesQuota", "whole number from 1" },
        { "\"seriesQuota\":1e300", "seriesQuota", "whole number from 1" },
        { "\"seriesQuota\":100000001", "seriesQuota", "whole number from 1" },
        { "\"seriesQuota\":\"many\"", "seriesQuota", "must be a number" },
        { "\"seriesQuota\":true", "seriesQuota", "must be a number" },
        { "\"seriesQuota\":[1]", "seriesQuota", "must be a number" },
        { "\"pointsPerSecondQuota\":0", "pointsPerSecondQuota", "whole number from 1" },
        { "\"pointsPerSecondQuota\":2.25", "pointsPerSecondQuota", "whole number from 1" },
        { "\"pointsPerSecondQuota\":\"10\"", "pointsPerSecondQuota", "must be a number" },
        { "\"pointsPerSecondQuota\":{}", "pointsPerSecondQuota", "must be a number" },
    };

    [Theory]
    [MemberData(nameof(MalformedQuotas))]
    public async Task CreateKey_MalformedQuota_ProblemNamesTheField(string field, string name, string message)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/keys", $$"""{"name":"q","role":"ingest",{{field}}}""");

        await Json.AssertProblemAsync(response, name, message);
        var keys = await (await app.Admin().GetAsync("/api/v1/keys")).ReadAsync();
        Assert.DoesNotContain(keys.EnumerateArray(), k => k.GetProperty("name").GetString() == "q");
    }

    [Fact]
    public async Task PostMetrics_KeyOverItsPointsPerSecond_429WithRetryAfterWhileOtherKeysStillSend()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Quotas:PointsPerSecondPerKey"] = "10" });
        var (_, fastSecret) = await CreateKeyAsync(app, "fast");
        var (_, otherSecret) = await CreateKeyAsync(app, "other");
        var fast = app.WithKey(fastSecret);
        var other = app.WithKey(otherSecret);
        (await fast.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3, 4, 5, 6, 7, 8))).EnsureSuccessStatusCode();

        var limited = await fast.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3));
        var others = await other.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var later = await fast.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        var problem = await limited.ReadAsync();
        Assert.Equal("Rate quota reached", problem.GetProperty("title").GetString());
        Assert.Contains("Vigil:Quotas:PointsPerSecondPerKey", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, others.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
    }

    [Fact]
    public async Task PostJobExecutions_KeyWithItsOwnRate_LimitedAtItsRate()
    {
        await using var app = StartApp();
        var (_, secret) = await CreateKeyAsync(app, "jobs", ""","pointsPerSecondQuota":4""");
        var client = app.WithKey(secret);
        const string Two = """{"executions":[{"jobId":"a","success":true,"durationMs":5},{"jobId":"b","success":true,"durationMs":5}]}""";

        var first = await client.PostJsonAsync("/api/v1/jobs/executions", Two);
        var second = await client.PostJsonAsync("/api/v1/jobs/executions", Two);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var third = await client.PostJsonAsync("/api/v1/jobs/executions", Two);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
    }

    [Fact]
    public async Task DeleteSeries_MatchingSeries_GoneFromMemoryAndStorageAndQuotaFreed()
    {
        var time = VigilApp.NewClock();
        string keyId, secret;
        await using (var first = StartApp(time, SeriesQuota(3)))
        {
            (keyId, secret) = await CreateKeyAsync(first, "dropper");
            var client = first.WithKey(secret);
            (await client.PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2, 3))).EnsureSuccessStatusCode();
            var admin = first.Admin();

            var dropped = await admin.DeleteAsync("/api/v1/series?metric=a&match[i]=2");
            var freed = await client.PostJsonAsync("/api/v1/metrics", Gauges("a", 9));

            Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
            var body = await dropped.ReadAsync();
            Assert.Equal(1, body.GetProperty("dropped").GetInt32());
            Assert.Equal(HttpStatusCode.Accepted, freed.StatusCode);
            var labels = (await (await admin.GetAsync("/api/v1/series?metric=a&agg=count")).ReadAsync())
                .GetProperty("series").EnumerateArray().Select(s => s.GetProperty("labels").GetProperty("i").GetString()!).Order().ToArray();
            Assert.Equal(["1", "3", "9"], labels);
            Assert.Equal(3, (await UsageOfAsync(first, keyId)).GetProperty("series").GetInt32());

            // Dropped before any flush: never stored, so not restored below.
            (await admin.DeleteAsync("/api/v1/series?metric=a&match[i]=9")).EnsureSuccessStatusCode();
        }

        time.Advance(TimeSpan.FromMinutes(2));
        await using var second = StartApp(time, SeriesQuota(3));
        var storedBefore = await (await second.Admin().GetAsync("/api/v1/series?metric=a&agg=count")).ReadAsync();
        var deleted = await (await second.Admin().DeleteAsync("/api/v1/series?metric=a&match[i]=1")).ReadAsync();
        var restored = await (await second.Admin().GetAsync("/api/v1/series?metric=a&agg=count")).ReadAsync();

        Assert.Equal(["1", "3"], storedBefore.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("labels").GetProperty("i").GetString()!).Order().ToArray());
        Assert.Equal(1, deleted.GetProperty("dropped").GetInt32());
        Assert.Equal(1, deleted.GetProperty("deleted").GetInt32());
        Assert.Equal(["3"], restored.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("labels").GetProperty("i").GetString()!).ToArray());
        Assert.Equal(1, (await UsageOfAsync(second, keyId)).GetProperty("series").GetInt32());
    }

    public static TheoryData<string, string, string> MalformedDeletes => new()
    {
        { "", "metric", "is required" },
        { "?metric=", "metric", "is required" },
        { "?metric=9lives", "metric", "must match" },
        { "?metric=a&metric=b", "metric", "once" },
        { "?metric=a&match[bad-name]=x", "match[bad-name]", "must name a label" },
        { "?metric=a&match[]=x", "match[]", "must name a label" },
        { "?metric=a&match[i]=1&match[i]=2", "match[i]", "once" },
        { "?metric=a&agg=sum", "agg", "not a known parameter" },
        { "?metric=a&match%5Bi", "match[i", "not a known parameter" },
    };

    [Theory]
    [MemberData(nameof(MalformedDeletes))]
    public async Task DeleteSeries_MalformedQuery_ProblemNamesTheParameterAndDropsNothing(string query, string field, string message)
    {
        var app = await SharedAppAsync();
        var admin = app.Admin();
        (await admin.PostJsonAsync("/api/v1/metrics", Gauges("a", 1))).EnsureSuccessStatusCode();

        var response = await admin.DeleteAsync("/api/v1/series" + query);

        await Json.AssertProblemAsync(response, field, message);
        var series = await (await admin.GetAsync("/api/v1/series?metric=a&agg=count")).ReadAsync();
        Assert.Equal(1, series.GetProperty("series").GetArrayLength());
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("ingest")]
    public async Task UsageAndDelete_NotAdmin_Forbidden(string role)
    {
        await using var app = StartApp();
        var client = await app.ClientWithRoleAsync(role);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/series/usage")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("/api/v1/series?metric=a")).StatusCode);
    }

    [Fact]
    public async Task Usage_ListsKeysWithTheirSeriesAndQuotas()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Quotas:SeriesPerKey"] = "50", ["Vigil:Quotas:PointsPerSecondPerKey"] = "700" });
        var (keyId, secret) = await CreateKeyAsync(app, "user");
        (await app.WithKey(secret).PostJsonAsync("/api/v1/metrics", Gauges("a", 1, 2))).EnsureSuccessStatusCode();

        var usage = await (await app.Admin().GetAsync("/api/v1/series/usage")).ReadAsync();
        var key = await UsageOfAsync(app, keyId);

        Assert.Equal(2, key.GetProperty("series").GetInt32());
        Assert.Equal(50, key.GetProperty("seriesQuota").GetInt32());
        Assert.Equal(700, key.GetProperty("pointsPerSecondQuota").GetInt32());
        Assert.Equal(100_000, usage.GetProperty("maxSeries").GetInt32());
        Assert.True(usage.GetProperty("series").GetInt32() >= 2);
    }
}

public sealed class SqliteQuotaTests(SharedServer shared) : QuotaTests(StorageProvider.Sqlite, shared);

public sealed class PostgresQuotaTests(SharedServer shared) : QuotaTests(StorageProvider.Postgres, shared);
