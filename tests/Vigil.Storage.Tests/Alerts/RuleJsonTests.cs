using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Storage.Tests.Alerts;

public sealed class RuleJsonTests
{
    [Fact]
    public void SerializeDeserialize_EveryField_RoundTrips()
    {
        var rule = RuleRepositoryTests.FullRule("r1");

        var read = RuleJson.Deserialize("r1", RuleJson.Serialize(rule));

        RuleRepositoryTests.AssertSameRule(rule, read);
    }

    [Fact]
    public void Serialize_UsesTheApiShape()
    {
        using var json = JsonDocument.Parse(RuleJson.Serialize(RuleRepositoryTests.FullRule("r1")));
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
    public void ToRule_OmittedFields_TakeTheRuleDefaults()
    {
        var (rule, errors) = RuleJson.ToRule("r1", new RuleDocument { Name = "n", Metric = "m", Threshold = 1 });

        Assert.Empty(errors);
        var expected = new AlertRule { Id = "r1", Name = "n", Metric = "m", Threshold = 1 };
        RuleRepositoryTests.AssertSameRule(expected, rule!);
    }

    [Theory]
    [InlineData("aggregation", "p95x", "'p95x' is not one of count, sum, min, max, avg, last, rate_per_second, rate_per_minute, p50, p90, p95, p99, error_rate_percent")]
    [InlineData("thresholdType", "Static", "'Static' is not one of static, dynamic, percent_change")]
    [InlineData("comparison", ">", "'>' is not one of greater_than, less_than, equal, greater_or_equal, less_or_equal")]
    [InlineData("severity", "high", "'high' is not one of info, warning, error, critical")]
    public void ToRule_UnknownWireName_NamesTheFieldAndTheAcceptedValues(string field, string value, string message)
    {
        var document = new RuleDocument { Name = "n", Metric = "m", Threshold = 1 };
        typeof(RuleDocument).GetProperty(char.ToUpperInvariant(field[0]) + field[1..])!.SetValue(document, value);

        var (rule, errors) = RuleJson.ToRule("r1", document);

        Assert.Null(rule);
        Assert.Equal([field], errors.Keys.ToArray());
        Assert.Equal([message], errors[field]);
    }

    [Fact]
    public void ToRule_UnknownThresholdType_DoesNotAlsoAskForAThreshold()
    {
        var (_, errors) = RuleJson.ToRule("r1", new RuleDocument { Name = "n", Metric = "m", ThresholdType = "baseline" });

        Assert.Equal(["thresholdType"], errors.Keys.ToArray());
    }

    [Fact]
    public void ToRule_FractionalCountsAndNullStrings_NamedByPath()
    {
        var document = new RuleDocument
        {
            Name = "n",
            Metric = "m",
            Threshold = 1,
            MinDataPoints = 1.5,
            CooldownMinutes = 1e12,
            GroupBy = ["route", null],
            Labels = new() { ["team"] = null },
        };

        var (_, errors) = RuleJson.ToRule("r1", document);

        Assert.Equal(["cooldownMinutes", "groupBy[1]", "labels.team", "minDataPoints"], errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void ToRule_ValidatorProblems_NamedByField()
    {
        var (rule, errors) = RuleJson.ToRule("r1", new RuleDocument { Name = "", WindowMinutes = 0, ThresholdType = "dynamic" });

        Assert.Null(rule);
        Assert.Equal(["baselineMultiplier", "metric", "name", "windowMinutes"], errors.Keys.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Deserialize_FieldOfANewerRelease_IsIgnored()
    {
        var rule = RuleJson.Deserialize("r1", """{"name":"n","metric":"m","threshold":3,"addedLater":{"x":1}}""");

        Assert.Equal(("n", 3.0), (rule.Name, rule.Threshold!.Value));
    }

    [Fact]
    public void Deserialize_Garbage_ThrowsNamingTheRule()
    {
        var ex = Assert.Throws<InvalidDataException>(() => RuleJson.Deserialize("r9", """{"name":"n","metric":"m","severity":"loud"}"""));

        Assert.Contains("'r9'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("severity", ex.Message, StringComparison.Ordinal);
    }
}
