using Vigil.Core.Alerts;
using Vigil.Server.Rules;

namespace Vigil.Server.Tests.Rules;

public sealed class RuleJsonTests
{
    [Fact]
    public void ToRule_OmittedFields_TakeTheRuleDefaults()
    {
        var (rule, errors) = RuleJson.ToRule("r1", new RuleDocument { Name = "n", Metric = "m", Threshold = 1 });

        Assert.Empty(errors);
        var expected = new AlertRule { Id = "r1", Name = "n", Metric = "m", Threshold = 1 };
        Assert.Equal(expected with { Match = rule!.Match, GroupBy = rule.GroupBy, Channels = rule.Channels, EscalationChannels = rule.EscalationChannels, Labels = rule.Labels }, rule);
        Assert.Empty(rule.Match);
        Assert.Empty(rule.GroupBy);
        Assert.Empty(rule.Channels);
        Assert.Empty(rule.EscalationChannels);
        Assert.Empty(rule.Labels);
    }

    [Theory]
    [InlineData("aggregation", "p95x", "'p95x' is not one of count, sum, min, max, avg, last, rate_per_second, rate_per_minute, p50, p90, p95, p99, error_rate_percent")]
    [InlineData("thresholdType", "Static", "'Static' is not one of static, dynamic, percent_change, anomaly")]
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
}
