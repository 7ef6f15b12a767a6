using System.Net;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, Low: input that answered 500 instead of a problem naming the field — lone
/// surrogates in channel bodies, duplicate keys in relay-endpoint patches, silences that
/// overflow the calendar, times before year 1 arithmetic, and admin inputs without limits.
/// </summary>
public abstract class BadInputTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private const string Channel = """{"name":"ops","type":"webhook","config":{"url":"https://hooks.example.com/vigil"}}""";

    private const string Rule = """
        {"name":"Slow","metric":"lat_ms","aggregation":"avg","windowMinutes":5,"minDataPoints":1,
         "thresholdType":"static","threshold":100,"comparison":"greater_than","severity":"warning","channels":[]}
        """;

    [Theory]
    [InlineData("""{"name":"\ud800","type":"webhook","config":{"url":"https://hooks.example.com/vigil"}}""", "name")]
    [InlineData("""{"name":"ops","type":"webhook","config":{"url":"https://hooks.example.com/\udc00x"}}""", "config.url")]
    [InlineData("""{"name":"ops","type":"webhook","config":{"url":"https://hooks.example.com/vigil","secret":"a\ud800b"}}""", "config.secret")]
    [InlineData("""{"name":"ops","type":"webhook","config":{"\ud800":"x","url":"https://hooks.example.com/vigil"}}""", "config")]
    public async Task PostChannel_LoneSurrogate_ProblemNamesTheField(string body, string field)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/channels", body);

        await AssertProblemAsync(response, field, "lone UTF-16 surrogate");
    }

    [Fact]
    public async Task PatchChannel_LoneSurrogate_ProblemNamesTheField_ChannelUnchanged()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var id = (await (await client.PostJsonAsync("/api/v1/channels", Channel)).ReadAsync()).GetProperty("id").GetString();

        var response = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"config":{"bearerToken":"\ud800"}}"""));

        await AssertProblemAsync(response, "config.bearerToken", "lone UTF-16 surrogate");
        Assert.Equal("ops", (await (await client.GetAsync($"/api/v1/channels/{id}")).ReadAsync()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"name":"a","name":"b"}""", "name")]
    [InlineData("""{"slug":"one","integrations":[],"slug":"two"}""", "slug")]
    [InlineData("""{"name":"\ud800"}""", "name")]
    public async Task PatchRelayEndpoint_DuplicateKeyOrLoneSurrogate_ProblemNamesTheField_EndpointUnchanged(string patch, string field)
    {
        await using var app = StartApp();
        var client = app.Admin();
        var channelId = (await (await client.PostJsonAsync("/api/v1/channels", Channel)).ReadAsync()).GetProperty("id").GetString();
        var created = await client.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"orders","name":"Orders","integrations":["{{channelId}}"],"secret":"s3cret"}""");
        var id = (await created.ReadAsync()).GetProperty("id").GetString();

        var response = await client.PatchAsync($"/api/v1/relay/endpoints/{id}", Json.Body(patch));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty(field, out _));
        var endpoint = Assert.Single((await (await client.GetAsync("/api/v1/relay/endpoints")).ReadAsync()).EnumerateArray());
        Assert.Equal(("orders", "Orders"), (endpoint.GetProperty("slug").GetString(), endpoint.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("""{"severity":"critical","startsAt":"9999-12-31T00:00:00Z","durationMinutes":60}""", "startsAt", "at most a year")]
    [InlineData("""{"severity":"critical","startsAt":"9999-12-31T23:59:59Z","durationMinutes":525600}""", "startsAt", "at most a year")]
    [InlineData("""{"ruleId":"no-such-rule","durationMinutes":60}""", "ruleId", "does not exist")]
    public async Task CreateSilence_OverflowingStartOrUnknownRule_ProblemNamesTheField(string body, string field, string message)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/silences", body);

        await AssertProblemAsync(response, field, message);
        Assert.Empty((await (await app.Admin().GetAsync("/api/v1/silences?all=true")).ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task CreateSilence_MegabyteRuleId_RefusedForLength_ExistingRuleAccepted()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", Rule)).ReadAsync()).GetProperty("id").GetString();

        var huge = await client.PostJsonAsync("/api/v1/silences", $$"""{"ruleId":"{{new string('r', 1 << 20)}}","durationMinutes":60}""");
        var existing = await client.PostJsonAsync("/api/v1/silences", $$"""{"ruleId":"{{ruleId}}","durationMinutes":60}""");

        await AssertProblemAsync(huge, "ruleId", "longer than 200 characters");
        Assert.Equal(HttpStatusCode.Created, existing.StatusCode);
        Assert.Equal(ruleId, Assert.Single((await (await client.GetAsync("/api/v1/silences")).ReadAsync()).EnumerateArray()).GetProperty("ruleId").GetString());
    }

    [Theory]
    [InlineData("to", "0001-01-01")]
    [InlineData("to", "0001-01-01T00:00:00Z")]
    [InlineData("from", "0001-01-01")]
    [InlineData("to", "9999-12-31T23:59:59Z")]
    [InlineData("to", "-1")]
    public async Task Queries_TimeOutsideTheCalendarArithmetic_ProblemNamesTheParameter(string parameter, string value)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", Rule)).ReadAsync()).GetProperty("id").GetString();
        var query = $"{parameter}={Uri.EscapeDataString(value)}";

        await AssertProblemAsync(await client.GetAsync($"/api/v1/series?metric=lat_ms&agg=avg&{query}"), parameter, "from 1970-01-01 to 9999-01-01");
        await AssertProblemAsync(await client.PostAsync($"/api/v1/alerts/rules/{ruleId}/test?{query}", null), parameter, "from 1970-01-01 to 9999-01-01");
        await AssertProblemAsync(await client.PostAsync($"/api/v1/alerts/rules/test?{query}", Json.Body(Rule)), parameter, "from 1970-01-01 to 9999-01-01");
        await AssertProblemAsync(await client.GetAsync($"/api/v1/alerts?{query}"), parameter, "from 1970-01-01 to 9999-01-01");
    }

    [Theory]
    [InlineData("4.9e-324")]
    [InlineData("5e-324")]
    [InlineData("1e-300")]
    [InlineData("0.1")]
    [InlineData("10081")]
    [InlineData("1e308")]
    public async Task Rule_WindowMinutesDenormalOrAbsurd_ProblemNamesTheField(string windowMinutes)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        var ruleId = (await (await client.PostJsonAsync("/api/v1/alerts/rules", Rule)).ReadAsync()).GetProperty("id").GetString();
        var body = Rule.Replace("\"windowMinutes\":5", $"\"windowMinutes\":{windowMinutes}", StringComparison.Ordinal);

        await AssertProblemAsync(await client.PostJsonAsync("/api/v1/alerts/rules", body), "windowMinutes", "at least one 10 s bucket");
        await AssertProblemAsync(await client.PatchAsync($"/api/v1/alerts/rules/{ruleId}", Json.Body($$"""{"windowMinutes":{{windowMinutes}}}""")), "windowMinutes", "at least one 10 s bucket");
        await AssertProblemAsync(await client.PostJsonAsync("/api/v1/alerts/rules/test", body), "windowMinutes", "at least one 10 s bucket");
        Assert.Equal(5, (await (await client.GetAsync($"/api/v1/alerts/rules/{ruleId}")).ReadAsync()).GetProperty("windowMinutes").GetDouble());
    }

    // Found by the malformed-input suite: on PostgreSQL (whose text cannot hold U+0000) each of
    // these answered 503 "the database is unavailable"; on SQLite they were stored.
    [Theory]
    [InlineData("/api/v1/alerts/rules", Rule, "name", "\"Slow\"")]
    [InlineData("/api/v1/alerts/rules", Rule, "groupBy[0]", "\"channels\":[]")]
    [InlineData("/api/v1/channels", Channel, "name", "\"ops\"")]
    [InlineData("/api/v1/keys", """{"name":"ci","role":"viewer"}""", "name", "\"ci\"")]
    [InlineData("/api/v1/silences", """{"labels":{"env":"prod"},"durationMinutes":60,"comment":"deploy"}""", "comment", "\"deploy\"")]
    public async Task Post_NulInText_ProblemNamesTheField_NothingStored(string url, string body, string field, string replaced)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        var listed = (await (await client.GetAsync(url)).ReadAsync()).GetArrayLength();
        var hostile = field == "groupBy[0]"
            ? body.Replace(replaced, "\"groupBy\":[\"a\\u0000b\"],\"channels\":[]", StringComparison.Ordinal)
            : body.Replace(replaced, "\"a\\u0000b\"", StringComparison.Ordinal);

        await AssertProblemAsync(await client.PostJsonAsync(url, hostile), field, "NUL character");
        Assert.Equal(listed, (await (await client.GetAsync(url)).ReadAsync()).GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/alerts?ruleId=%00", "ruleId")]
    [InlineData("/api/v1/series?metric=a%00b", "metric")]
    [InlineData("/api/v1/relay/requests?endpointId=%00", "endpointId")]
    [InlineData("/api/v1/alerts?x%00=1", "x%00")]
    public async Task Get_NulInQuery_ProblemNamesTheParameter(string url, string parameter)
    {
        var app = await SharedAppAsync();

        await AssertProblemAsync(await app.Admin().GetAsync(url), parameter, "NUL character");
    }

    [Fact]
    public async Task Ingest_NulInLabelValueOrJobId_ProblemNamesTheField_BatchRefused()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var now = app.Time.GetUtcNow();

        await AssertProblemAsync(await client.PostJsonAsync("/api/v1/metrics", Timings("nul_ms", [1, 2], """{"route":"/a\u0000b"}""", now)), "points[0].labels.route", "NUL character");
        await AssertProblemAsync(
            await client.PostJsonAsync("/api/v1/jobs/executions", """{"executions":[{"jobId":"a\u0000b","success":true,"durationMs":5}]}"""), "executions[0].jobId", "NUL character");
        Assert.Equal(0, (await (await client.GetAsync("/api/v1/series?metric=nul_ms&agg=count")).ReadAsync()).GetProperty("series").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/v1/keys", """{"name":"ci","role":"viewer","role":"admin"}""", "role")]
    [InlineData("/api/v1/channels", """{"name":"ops","name":"ops2","type":"in_app"}""", "name")]
    public async Task Post_DuplicateKey_ProblemNamesTheField(string url, string body, string field)
    {
        var app = await SharedAppAsync();

        await AssertProblemAsync(await app.Admin().PostJsonAsync(url, body), field, "more than once");
    }

    [Fact]
    public async Task Rule_WindowOfOneBucket_Accepted()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var client = app.Admin();

        var response = await client.PostJsonAsync("/api/v1/alerts/rules", Rule.Replace("\"windowMinutes\":5", "\"windowMinutes\":0.16666666666666666", StringComparison.Ordinal));
        await app.RunPassAsync();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(10, (await response.ReadAsync()).GetProperty("windowMinutes").GetDouble() * 60, 6);
    }
}

public sealed class SqliteBadInputTests(SharedServer shared) : BadInputTests(StorageProvider.Sqlite, shared);

public sealed class PostgresBadInputTests(SharedServer shared) : BadInputTests(StorageProvider.Postgres, shared);
