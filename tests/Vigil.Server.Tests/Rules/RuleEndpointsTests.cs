using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Rules;

public abstract class RuleEndpointsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private const string Rules = "/api/v1/alerts/rules";

    private const string ValidRule = """
        {"name":"Slow API Endpoint","metric":"http_request_duration_ms","match":{"method":"GET"},"groupBy":["route"],
         "aggregation":"p95","windowMinutes":15,"minDataPoints":10,"thresholdType":"static","threshold":1000,
         "comparison":"greater_than","forSeconds":0,"severity":"warning","cooldownMinutes":60,"channels":[],
         "labels":{"team":"api"},"runbookUrl":"https://runbooks.example.com/slow","enabled":true}
        """;

    public static readonly string[] DefaultIds =
    [
        "high_response_time", "high_error_rate", "memory_usage_high", "database_connection_issues", "failed_login_attempts",
        "high_queue_depth", "high_failure_rate", "disk_space_low", "system_down", "performance_regression", "error_new_issue", "error_regression", "error_spike", "slo_burn_page", "slo_burn_ticket", "slow_endpoint",
        "critical_endpoint_latency", "endpoint_error_spike", "latency_anomaly", "error_rate_anomaly", "traffic_drop", "traffic_surge",
        "slow_generation", "generation_failure_rate",
        "server_heap_usage_high", "server_disk_space_low",
    ];

    public static TheoryData<string, string, string> MalformedRules => new()
    {
        // body, field named in the problem, a fragment of its message
        { """{"name":"n","aggregation":"p95","threshold":1}""", "metric", "is required" },
        { """{"name":"n","metric":"","threshold":1}""", "metric", "is required" },
        { """{"metric":"m","threshold":1}""", "name", "is required" },
        { """{"name":"n","metric":"m","aggregation":"p97","threshold":1}""", "aggregation", "'p97' is not one of count, sum, min, max, avg, last, rate_per_second, rate_per_minute, p50, p90, p95, p99, error_rate_percent" },
        { """{"name":"n","metric":"m","aggregation":"P95","threshold":1}""", "aggregation", "is not one of" },
        { """{"name":"n","metric":"m","windowMinutes":0,"threshold":1}""", "windowMinutes", "must be more than 0" },
        { """{"name":"n","metric":"m","windowMinutes":-5,"threshold":1}""", "windowMinutes", "must be more than 0" },
        { """{"name":"n","metric":"m","thresholdType":"dynamic"}""", "baselineMultiplier", "is required for a dynamic threshold" },
        { """{"name":"n","metric":"m","thresholdType":"dynamic","baselineMultiplier":0}""", "baselineMultiplier", "more than 0" },
        { """{"name":"n","metric":"m","thresholdType":"dynamic","baselineMultiplier":2,"baselineDays":31}""", "baselineDays", "between 7 (the baseline" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","baselineDays":3}""", "baselineDays", "between 7 (the baseline" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","comparison":"equal"}""", "comparison", "above the band" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","sensitivity":"extreme"}""", "sensitivity", "not one of low, medium, high" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","minChange":-1}""", "minChange", "at least 0" },
        { """{"name":"n","metric":"m","threshold":1,"unlessUsual":"yes"}""", "unlessUsual", "" },
        { """{"name":"n","metric":"m","threshold":1,"noData":"ignore"}""", "noData", "not one of keep_last, ok, alerting" },
        { """{"name":"n","metric":"m","threshold":1,"metMinutes":4,"ofMinutes":3}""", "metMinutes", "at most ofMinutes" },
        { """{"name":"n","metric":"m","threshold":1,"ofMinutes":61}""", "ofMinutes", "between 1 and 60" },
        { """{"name":"n","metric":"m","threshold":1,"metMinutes":1.5}""", "metMinutes", "whole number" },
        { """{"name":"n","metric":"m","threshold":1,"trimMinutes":1.5}""", "trimMinutes", "whole number" },
        { """{"name":"n","metric":"m","threshold":1,"trimMinutes":"one"}""", "trimMinutes", "" },
        { """{"name":"n","metric":"m","threshold":1,"windowMinutes":5,"trimMinutes":5}""", "trimMinutes", "less than windowMinutes" },
        { """{"name":"n","metric":"m","threshold":1,"aggregation":"rate_per_minute","trimMinutes":1}""", "trimMinutes", "not to rate_per_minute" },
        { """{"name":"n","metric":"m","threshold":1,"windowMinutes":90,"trimMinutes":1}""", "trimMinutes", "at most 60" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","anomalyMethod":"cusum"}""", "anomalyMethod", "not one of band, sequential" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","anomalyMethod":7}""", "anomalyMethod", "" },
        { """{"name":"n","metric":"m","threshold":1,"anomalyMethod":"sequential"}""", "anomalyMethod", "anomaly threshold only" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"p95","anomalyMethod":"sequential"}""", "anomalyMethod", "not p95" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"error_rate_percent","comparison":"less_than","anomalyMethod":"sequential"}""", "comparison", "more errors than usual" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"p50","comparison":"less_than","anomalyMethod":"sequential"}""", "comparison", "slower requests than usual" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","windowMinutes":1,"anomalyMethod":"sequential"}""", "windowMinutes", "whole minutes from 2 to 60" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","windowMinutes":2.5,"anomalyMethod":"sequential"}""", "windowMinutes", "whole minutes from 2 to 60" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","minChange":2,"anomalyMethod":"sequential"}""", "minChange", "does not apply" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"error_rate_percent","windowMinutes":5,"trimMinutes":1,"anomalyMethod":"sequential"}""", "trimMinutes", "does not apply" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","recoveryThreshold":3,"anomalyMethod":"sequential"}""", "recoveryThreshold", "does not apply" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","minDataPoints":5,"anomalyMethod":"sequential"}""", "minDataPoints", "does not apply" },
        { """{"name":"n","metric":"m","thresholdType":"anomaly","aggregation":"rate_per_minute","noData":"alerting","anomalyMethod":"sequential"}""", "noData", "does not apply" },
        { """{"name":"n","metric":"m"}""", "threshold", "is required for a static threshold" },
        { "{\"name\":\"n\",\"metric\":\"m\",\"threshold\":1,\"description\":\"" + new string('d', 2001) + "\"}", "description", "longer than 2000 characters" },
        { """{"name":"n","metric":"m","thresholdType":"percent_change"}""", "threshold", "is required for a percent_change threshold" },
        { """{"name":"n","metric":"m","threshold":1,"comparison":"above"}""", "comparison", "'above' is not one of greater_than, less_than, equal, greater_or_equal, less_or_equal" },
        { """{"name":"n","metric":"m","threshold":1,"comparison":">"}""", "comparison", "is not one of" },
        { """{"name":"n","metric":"m","threshold":1,"severity":"high"}""", "severity", "'high' is not one of info, warning, error, critical" },
        { """{"name":"n","metric":"m","threshold":1,"thresholdType":"fixed"}""", "thresholdType", "'fixed' is not one of static, dynamic, percent_change" },
        { """{"name":"n","metric":"m","threshold":1,"type":"infra"}""", "type", "is not one of performance, error, security, business, system" },
        { """{"name":"n","metric":"m","threshold":1,"forSeconds":-1}""", "forSeconds", "between 0 and 86400" },
        { """{"name":"n","metric":"m","threshold":1,"cooldownMinutes":99999}""", "cooldownMinutes", "between 0 and 10080" },
        { """{"name":"n","metric":"m","threshold":1,"runbookUrl":"ftp://x"}""", "runbookUrl", "absolute http(s) URL" },
        { """{"name":"n","metric":"m","threshold":1,"groupBy":[""]}""", "groupBy", "cannot be empty" },
        { """{"name":"n","metric":"m","threshold":1,"thresold":2}""", "thresold", "not a known field" },
        { """{"name":"n","metric":"m","threshold":1,"id":"mine"}""", "id", "not a known field" },
        { """{"name":"n","metric":"m","threshold":1,"match":{"method":"GET","extra":{"deep":1}}}""", "match.extra", "must be a string" },
        { """{"name":"n","metric":"m","threshold":1""", "$", "not valid JSON" },
        { "not json", "$", "not valid JSON" },
        { "null", "$", "not null" },
        { "[]", "$", "must be an object" },
        { """{"name":"n","metric":"m","threshold":"high"}""", "threshold", "must be a number" },
        { """{"name":"n","metric":"m","threshold":"1000"}""", "threshold", "must be a number" },
        { """{"name":"n","metric":"m","threshold":1,"minDataPoints":2.5}""", "minDataPoints", "whole number" },
        { """{"name":"n","metric":"m","threshold":1,"minDataPoints":"10"}""", "minDataPoints", "must be a number" },
        { """{"name":"n","metric":"m","threshold":1,"enabled":"yes"}""", "enabled", "true or false" },
        { """{"name":5,"metric":"m","threshold":1}""", "name", "must be a string" },
        { """{"name":"n","metric":"m","threshold":1,"groupBy":"route"}""", "groupBy", "must be an array" },
        { """{"name":"n","metric":"m","threshold":1,"groupBy":["route",null]}""", "groupBy[1]", "not null" },
        { """{"name":"n","metric":"m","threshold":1,"match":["method"]}""", "match", "must be an object" },
        { """{"name":"n","metric":"m","threshold":1,"labels":{"team":7}}""", "labels.team", "must be a string" },
        { """{"name":"n","metric":"m","threshold":1,"labels":{"team":null}}""", "labels.team", "not null" },
        { """{"name":"n","metric":"m","threshold":1,"channels":[1]}""", "channels[0]", "must be a string" },
    };

    public static TheoryData<string, string, string> MalformedPatches => new()
    {
        { """{"metric":null}""", "metric", "is required" },
        { """{"aggregation":"median"}""", "aggregation", "is not one of" },
        { """{"windowMinutes":0}""", "windowMinutes", "must be more than 0" },
        { """{"thresholdType":"dynamic"}""", "baselineMultiplier", "is required for a dynamic threshold" },
        { """{"threshold":null}""", "threshold", "is required for a static threshold" },
        { """{"comparison":"lower"}""", "comparison", "is not one of" },
        { """{"severity":"urgent"}""", "severity", "is not one of" },
        { """{"thresholdType":"relative"}""", "thresholdType", "is not one of" },
        { """{"colour":"red"}""", "colour", "not a known field" },
        { """{"threshold":""", "$", "not valid JSON" },
        { "[]", "$", "must be an object" },
        { """{"threshold":true}""", "threshold", "must be a number" },
        { """{"labels":{"team":1}}""", "labels.team", "must be a string" },
        { """{"threshold":1,"threshold":2}""", "threshold", "more than once" },
        { """{"labels":{"team":"a","team":"b"}}""", "labels.team", "more than once" },
    };

    [Theory]
    [MemberData(nameof(MalformedRules))]
    public async Task Post_MalformedRule_ProblemNamesTheField(string body, string field, string message)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync(Rules, body);

        await AssertProblemAsync(response, field, message);
        Assert.Equal(DefaultIds.Length, (await ListAsync(app.Admin())).Length);
    }

    [Theory]
    [MemberData(nameof(MalformedPatches))]
    public async Task Patch_MalformedChange_ProblemNamesTheFieldAndChangesNothing(string body, string field, string message)
    {
        var app = await SharedAppAsync();
        var client = app.Admin();
        var before = await (await client.GetAsync($"{Rules}/slow_endpoint")).Content.ReadAsStringAsync();

        var response = await client.PatchAsync($"{Rules}/slow_endpoint", MergePatch(body));

        await AssertProblemAsync(response, field, message);
        Assert.Equal(before, await (await client.GetAsync($"{Rules}/slow_endpoint")).Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("performance_regression", """{"windowMinutes":60,"aggregation":"avg"}""", "aggregation")]
    [InlineData("slo_burn_page", """{"threshold":2}""", "threshold")]
    [InlineData("system_down", """{"metric":"up"}""", "metric")]
    public async Task Patch_BuiltInRuleVigilReportsItself_ConditionFieldsRefused_NotifyingFieldsTaken(string id, string body, string field)
    {
        // Its condition is raised by the regression detector, the objectives or the monitors: a change there was
        // accepted and silently ignored.
        await using var app = StartApp();
        var client = app.Admin();
        var before = await (await client.GetAsync($"{Rules}/{id}")).Content.ReadAsStringAsync();

        var refused = await client.PatchAsync($"{Rules}/{id}", MergePatch(body));
        var afterRefused = await (await client.GetAsync($"{Rules}/{id}")).Content.ReadAsStringAsync();
        var taken = await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"severity":"critical","cooldownMinutes":5,"labels":{"team":"web"}}"""));

        await AssertProblemAsync(refused, field, "is fixed");
        Assert.Equal(before, afterRefused);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal("critical", (await taken.ReadAsync()).GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Post_ManyProblems_AllNamedAtOnce()
    {
        await using var app = StartApp();

        var response = await app.Admin().PostJsonAsync(Rules, """{"aggregation":"p97","severity":"high","windowMinutes":0,"threshold":1}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.Equal(["aggregation", "metric", "name", "severity", "windowMinutes"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Rules_Viewer_CanReadButNotChange()
    {
        await using var app = StartApp();
        var viewer = await app.ClientWithRoleAsync("viewer");

        var list = await viewer.GetAsync(Rules);
        var one = await viewer.GetAsync($"{Rules}/high_error_rate");
        var create = await viewer.PostJsonAsync(Rules, ValidRule);
        var patch = await viewer.PatchAsync($"{Rules}/high_error_rate", MergePatch("""{"threshold":50}"""));
        var delete = await viewer.DeleteAsync($"{Rules}/high_error_rate");

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        var unchanged = await (await viewer.GetAsync($"{Rules}/high_error_rate")).ReadAsync();
        Assert.Equal(5, unchanged.GetProperty("threshold").GetDouble());
        Assert.Equal(DefaultIds.Length, (await ListAsync(viewer)).Length);
    }

    [Fact]
    public async Task Rules_IngestKeyOrNoKey_Refused()
    {
        await using var app = StartApp();
        var ingest = await app.ClientWithRoleAsync("ingest");

        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync(Rules)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.PostJsonAsync(Rules, ValidRule)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).GetAsync(Rules)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).PostJsonAsync(Rules, ValidRule)).StatusCode);
    }

    [Fact]
    public async Task Rule_CreateGetPatchListDelete_RoundTrip()
    {
        await using var app = StartApp();
        var client = app.Admin();

        // Create
        var created = await client.PostJsonAsync(Rules, ValidRule);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.ReadAsync();
        var id = rule.GetProperty("id").GetString()!;
        Assert.Equal($"{Rules}/{id}", created.Headers.Location?.OriginalString);
        Assert.False(rule.GetProperty("isDefault").GetBoolean());
        Assert.Equal(app.Time.GetUtcNow(), rule.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal("p95", rule.GetProperty("aggregation").GetString());
        Assert.Equal(["route"], rule.GetProperty("groupBy").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(240, rule.GetProperty("repeatIntervalMinutes").GetInt32());

        // Get
        var fetched = await client.GetAsync($"{Rules}/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(rule.ToString(), (await fetched.ReadAsync()).ToString());

        // Patch: only the named fields change; null resets to the default; labels merge.
        app.Time.Advance(TimeSpan.FromMinutes(3));
        var patched = await client.PatchAsync($"{Rules}/{id}", MergePatch("""
            {"threshold":1500,"severity":"critical","runbookUrl":null,"labels":{"team":null,"tier":"1"},"match":{"status":"500"}}
            """));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var after = await patched.ReadAsync();
        Assert.Equal(1500, after.GetProperty("threshold").GetDouble());
        Assert.Equal("critical", after.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("runbookUrl").ValueKind);
        Assert.Equal("""{"tier":"1"}""", after.GetProperty("labels").GetRawText());
        Assert.Equal("""{"method":"GET","status":"500"}""", after.GetProperty("match").GetRawText());
        Assert.Equal(rule.GetProperty("createdAt").GetDateTimeOffset(), after.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(app.Time.GetUtcNow(), after.GetProperty("updatedAt").GetDateTimeOffset());
        foreach (var unchanged in new[] { "name", "metric", "groupBy", "aggregation", "windowMinutes", "minDataPoints", "comparison", "cooldownMinutes", "channels", "enabled", "isDefault" })
        {
            Assert.Equal(rule.GetProperty(unchanged).GetRawText(), after.GetProperty(unchanged).GetRawText());
        }

        // List
        var listed = await ListAsync(client);
        Assert.Equal(DefaultIds.Length + 1, listed.Length);
        Assert.Equal(after.ToString(), listed.Single(r => r.GetProperty("id").GetString() == id).ToString());

        // Delete
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{Rules}/{id}")).StatusCode);
        await AssertNotFoundAsync(await client.GetAsync($"{Rules}/{id}"));
        await AssertNotFoundAsync(await client.DeleteAsync($"{Rules}/{id}"));
        await AssertNotFoundAsync(await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"threshold":1}""")));
        Assert.Equal(DefaultIds.Length, (await ListAsync(client)).Length);
    }

    [Fact]
    public async Task Patch_ThresholdTypeChange_TakesTheRelatedFieldsTogether()
    {
        await using var app = StartApp();
        var client = app.Admin();

        var response = await client.PatchAsync($"{Rules}/slow_endpoint", MergePatch("""{"thresholdType":"dynamic","baselineMultiplier":1.5,"threshold":null}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rule = await response.ReadAsync();
        Assert.Equal(("dynamic", 1.5, 14), (rule.GetProperty("thresholdType").GetString(), rule.GetProperty("baselineMultiplier").GetDouble(), rule.GetProperty("baselineDays").GetInt32()));
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("threshold").ValueKind);
        Assert.True(rule.GetProperty("unlessUsual").GetBoolean()); // kept, and ignored by a dynamic threshold
    }

    [Fact]
    public async Task Patch_AnomalyMethod_SequentialKeptByOtherChanges_BackToBand_AndStoredAcrossARestart()
    {
        string? id;
        JsonElement created, patched;
        HttpResponseMessage refused;
        await using (var first = StartApp())
        {
            var client = first.Admin();
            created = await (await client.PostJsonAsync(Rules, """{"name":"Orders stopped","metric":"m","groupBy":["service"],"aggregation":"rate_per_minute","thresholdType":"anomaly","anomalyMethod":"sequential","comparison":"less_than","baselineDays":14}""")).ReadAsync();
            id = created.GetProperty("id").GetString();
            patched = await (await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"sensitivity":"high"}"""))).ReadAsync();
            refused = await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"aggregation":"p95"}"""));
        }

        await using var second = StartApp();
        var stored = await (await second.Admin().GetAsync($"{Rules}/{id}")).ReadAsync();
        var band = await (await second.Admin().PatchAsync($"{Rules}/{id}", MergePatch("""{"anomalyMethod":"band"}"""))).ReadAsync();

        Assert.Equal("sequential", created.GetProperty("anomalyMethod").GetString());
        Assert.Equal(("high", "sequential"), (patched.GetProperty("sensitivity").GetString(), patched.GetProperty("anomalyMethod").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not p95", (await refused.ReadAsync()).GetProperty("errors").GetProperty("anomalyMethod")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(("sequential", "high"), (stored.GetProperty("anomalyMethod").GetString(), stored.GetProperty("sensitivity").GetString()));
        Assert.Equal("band", band.GetProperty("anomalyMethod").GetString());
    }

    [Fact]
    public async Task Patch_TrimMinutes_KeptByOtherChanges_ClearedByZero()
    {
        await using var app = StartApp();
        var client = app.Admin();
        var created = await (await client.PostJsonAsync(Rules, """{"name":"Quiet errors","metric":"m","aggregation":"error_rate_percent","windowMinutes":15,"trimMinutes":2,"threshold":5}""")).ReadAsync();
        var id = created.GetProperty("id").GetString();

        var patched = await (await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"threshold":6}"""))).ReadAsync();
        var cleared = await (await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"trimMinutes":0}"""))).ReadAsync();
        var refused = await client.PatchAsync($"{Rules}/{id}", MergePatch("""{"trimMinutes":15}"""));

        Assert.Equal(2, created.GetProperty("trimMinutes").GetInt32());
        Assert.Equal((6, 2), (patched.GetProperty("threshold").GetInt32(), patched.GetProperty("trimMinutes").GetInt32()));
        Assert.Equal(0, cleared.GetProperty("trimMinutes").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.ReadAsync()).GetProperty("errors").TryGetProperty("trimMinutes", out _));
    }

    [Fact]
    public async Task Get_Response_HasExactlyTheContractFields()
    {
        await using var app = StartApp();

        var rule = await (await app.Admin().GetAsync($"{Rules}/slow_generation")).ReadAsync();

        string[] expected =
        [
            "id", "name", "description", "type", "metric", "match", "groupBy", "aggregation", "windowMinutes", "minDataPoints", "noData", "thresholdType",
            "threshold", "baselineMultiplier", "baselineDays", "sensitivity", "anomalyMethod", "minChange", "unlessUsual", "comparison", "forSeconds", "metMinutes", "ofMinutes",
            "trimMinutes", "recoveryThreshold", "severity",
            "cooldownMinutes", "repeatIntervalMinutes", "channels", "escalationChannels", "labels", "runbookUrl", "enabled",
            "isDefault", "createdAt", "updatedAt",
        ];
        Assert.Equal(expected, rule.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task Get_UnknownRule_Is404Problem()
    {
        await using var app = StartApp();

        await AssertNotFoundAsync(await app.Admin().GetAsync($"{Rules}/no_such_rule"));
    }

    [Fact]
    public async Task FreshStart_AllDefaultRulesPresent()
    {
        await using var app = StartApp();

        var rules = await ListAsync(app.Admin());

        Assert.Equal(DefaultIds.Order(StringComparer.Ordinal), rules.Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(rules, r => Assert.True(r.GetProperty("isDefault").GetBoolean()));
        var slow = rules.Single(r => r.GetProperty("id").GetString() == "slow_endpoint");
        Assert.Equal(
            ("http_request_duration_ms", "p95", 15.0, 30, 1000.0, "warning", 60),
            (slow.GetProperty("metric").GetString(), slow.GetProperty("aggregation").GetString(), slow.GetProperty("windowMinutes").GetDouble(),
             slow.GetProperty("minDataPoints").GetInt32(), slow.GetProperty("threshold").GetDouble(), slow.GetProperty("severity").GetString(),
             slow.GetProperty("cooldownMinutes").GetInt32()));
    }

    [Fact]
    public async Task PatchedDefault_Restart_KeptAsEdited()
    {
        await using (var first = StartApp())
        {
            var patched = await first.Admin().PatchAsync($"{Rules}/high_error_rate", MergePatch("""{"threshold":7.5,"enabled":false}"""));
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        await using var second = StartApp();
        var rule = await (await second.Admin().GetAsync($"{Rules}/high_error_rate")).ReadAsync();

        Assert.Equal((7.5, false, true), (rule.GetProperty("threshold").GetDouble(), rule.GetProperty("enabled").GetBoolean(), rule.GetProperty("isDefault").GetBoolean()));
        Assert.Equal(DefaultIds.Length, (await ListAsync(second.Admin())).Length);
    }

    [Fact]
    public async Task DeletedDefault_Restart_StaysDeleted()
    {
        await using (var first = StartApp())
        {
            Assert.Equal(HttpStatusCode.NoContent, (await first.Admin().DeleteAsync($"{Rules}/disk_space_low")).StatusCode);
        }

        await using var second = StartApp();
        var client = second.Admin();

        await AssertNotFoundAsync(await client.GetAsync($"{Rules}/disk_space_low"));
        var ids = (await ListAsync(client)).Select(r => r.GetProperty("id").GetString()).ToArray();
        Assert.Equal(DefaultIds.Length - 1, ids.Length);
        Assert.DoesNotContain("disk_space_low", ids);
    }

    [Fact]
    public async Task NewReleaseDefaults_Restart_UpdateOnlyTheUneditedOnes()
    {
        using var folder = new TempFolder();
        var v1 = folder.Write("v1.json", """
            {"rules":[
              {"id":"a","name":"A","metric":"m","threshold":1},
              {"id":"b","name":"B","metric":"m","threshold":1},
              {"id":"c","name":"C","metric":"m","threshold":1}
            ]}
            """);
        var v2 = folder.Write("v2.json", """
            {"rules":[
              {"id":"a","name":"A","metric":"m","threshold":2},
              {"id":"b","name":"B","metric":"m","threshold":2},
              {"id":"c","name":"C","metric":"m","threshold":2},
              {"id":"d","name":"D","metric":"m","threshold":2}
            ]}
            """);
        await using (var first = StartApp(settings: new() { ["Vigil:Rules:DefaultsFile"] = v1 }))
        {
            var client = first.Admin();
            Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync($"{Rules}/a", MergePatch("""{"threshold":10}"""))).StatusCode);

            // A patch that changes nothing leaves the rule a plain default.
            Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync($"{Rules}/b", MergePatch("""{"threshold":1}"""))).StatusCode);
        }

        await using var second = StartApp(settings: new() { ["Vigil:Rules:DefaultsFile"] = v2 });
        var thresholds = (await ListAsync(second.Admin())).ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("threshold").GetDouble());

        Assert.Equal(new Dictionary<string, double> { ["a"] = 10, ["b"] = 2, ["c"] = 2, ["d"] = 2 }, thresholds);
    }

    [Fact]
    public async Task DefaultsAReleaseNoLongerShips_Restart_RetiredUnlessEdited()
    {
        using var folder = new TempFolder();
        var v1 = folder.Write("v1.json", """
            {"rules":[
              {"id":"kept","name":"Kept","metric":"m","threshold":1},
              {"id":"gone","name":"Gone","metric":"m","threshold":1},
              {"id":"edited","name":"Edited","metric":"m","threshold":1}
            ]}
            """);
        var v2 = folder.Write("v2.json", """{"rules":[{"id":"kept","name":"Kept","metric":"m","threshold":1}]}""");
        await using (var first = StartApp(settings: new() { ["Vigil:Rules:DefaultsFile"] = v1 }))
        {
            Assert.Equal(HttpStatusCode.OK, (await first.Admin().PatchAsync($"{Rules}/edited", MergePatch("""{"threshold":10}"""))).StatusCode);
        }

        await using var second = StartApp(settings: new() { ["Vigil:Rules:DefaultsFile"] = v2 });
        var ids = (await ListAsync(second.Admin())).Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(["edited", "kept"], ids);
        Assert.Equal(HttpStatusCode.NotFound, (await second.Admin().GetAsync($"{Rules}/gone")).StatusCode);
    }

    private static StringContent MergePatch(string json) => new(json, Encoding.UTF8, "application/merge-patch+json");

    private static async Task<JsonElement[]> ListAsync(HttpClient client)
    {
        var response = await client.GetAsync(Rules);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.ReadAsync()).EnumerateArray()];
    }

    private static async Task AssertNotFoundAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("No alert rule has id", (await response.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

public sealed class SqliteRuleEndpointsTests(SharedServer shared) : RuleEndpointsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresRuleEndpointsTests(SharedServer shared) : RuleEndpointsTests(StorageProvider.Postgres, shared);

/// <summary>A temporary folder for files a test writes, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vigil-rules-").FullName;

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
