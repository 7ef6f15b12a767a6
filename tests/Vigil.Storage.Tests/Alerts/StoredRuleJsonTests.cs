using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Storage.Tests.Alerts;

public sealed class StoredRuleJsonTests
{
    [Fact]
    public void SerializeDeserialize_EveryField_RoundTrips()
    {
        var rule = RuleRepositoryTests.FullRule("r1");

        var read = StoredRuleJson.Deserialize("r1", StoredRuleJson.Serialize(rule));

        RuleRepositoryTests.AssertSameRule(rule, read);
    }

    [Fact]
    public void Serialize_CamelCaseAndWireNames()
    {
        using var json = JsonDocument.Parse(StoredRuleJson.Serialize(RuleRepositoryTests.FullRule("r1")));
        var root = json.RootElement;

        Assert.Equal("error_rate_percent", root.GetProperty("aggregation").GetString());
        Assert.Equal("dynamic", root.GetProperty("thresholdType").GetString());
        Assert.Equal("less_or_equal", root.GetProperty("comparison").GetString());
        Assert.Equal("info", root.GetProperty("severity").GetString());
        Assert.Equal(7, root.GetProperty("minDataPoints").GetInt32());
        Assert.Equal("render", root.GetProperty("match").GetProperty("job_id").GetString());
        Assert.False(root.TryGetProperty("id", out _));
    }

    [Fact]
    public void Deserialize_FieldOfANewerRelease_IsIgnored()
    {
        var rule = StoredRuleJson.Deserialize("r1", """{"name":"n","metric":"m","threshold":3,"addedLater":{"x":1}}""");

        Assert.Equal(("n", 3.0), (rule.Name, rule.Threshold!.Value));
    }

    [Fact]
    public void Deserialize_Garbage_ThrowsNamingTheRule()
    {
        var ex = Assert.Throws<InvalidDataException>(() => StoredRuleJson.Deserialize("r9", """{"name":"n","metric":"m","severity":"loud"}"""));

        Assert.Contains("'r9'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("severity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_RowOfAnOlderRelease_MissingFieldsTakeTheDefaults()
    {
        // As the first release wrote rules: counts as JSON numbers that were doubles, nulls written out.
        var rule = StoredRuleJson.Deserialize("r1", """
            {"name":"n","type":"performance","metric":"m","match":{"route":"/a"},"groupBy":["route"],"aggregation":"p95","windowMinutes":5,"minDataPoints":3,
             "thresholdType":"static","threshold":250.5,"baselineMultiplier":null,"baselineDays":7,"comparison":"greater_than","forSeconds":0,
             "recoveryThreshold":null,"severity":"critical","cooldownMinutes":15,"repeatIntervalMinutes":240,"channels":["ops"],"escalationChannels":[],
             "labels":{},"runbookUrl":null,"enabled":true}
            """);

        Assert.Equal((Aggregation.P95, 3, 250.5, Severity.Critical), (rule.Aggregation, rule.MinDataPoints, rule.Threshold!.Value, rule.Severity));
        Assert.Equal("/a", rule.Match["route"]);
        Assert.Equal(["ops"], rule.Channels);
        var sparse = StoredRuleJson.Deserialize("r2", """{"name":"n","metric":"m","threshold":1}""");
        Assert.Equal((Aggregation.Avg, 5.0, 240, true), (sparse.Aggregation, sparse.WindowMinutes, sparse.RepeatIntervalMinutes, sparse.Enabled));
    }

    [Fact]
    public void Serialize_SameRule_SameText()
    {
        // Default rules are updated when their stored text differs: the text must be stable.
        var json = StoredRuleJson.Serialize(RuleRepositoryTests.FullRule("r1"));

        Assert.Equal(json, StoredRuleJson.Serialize(StoredRuleJson.Deserialize("r1", json)));
    }
}
