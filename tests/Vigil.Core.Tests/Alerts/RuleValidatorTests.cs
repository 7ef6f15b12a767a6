using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class RuleValidatorTests
{
    private static readonly AlertRule Valid = new() { Id = "r", Name = "Slow", Metric = "http_request_duration_ms", Threshold = 1000 };

    [Fact]
    public void Validate_ValidRule_NoProblems() => Assert.Empty(RuleValidator.Validate(Valid));

    [Fact]
    public void Validate_TrimmedErrorRateOverAWholeHour_NoProblems() =>
        Assert.Empty(RuleValidator.Validate(Valid with { Aggregation = Aggregation.ErrorRatePercent, Threshold = 5, WindowMinutes = 60, TrimMinutes = 59 }));

    public static TheoryData<AlertRule, string> Invalid => new()
    {
        { Valid with { Name = " " }, "name" },
        { Valid with { Metric = "" }, "metric" },
        { Valid with { Metric = "bad metric" }, "metric" },
        { Valid with { Metric = "9lives" }, "metric" },
        { Valid with { Type = "weather" }, "type" },
        { Valid with { WindowMinutes = 0 }, "windowMinutes" },
        { Valid with { WindowMinutes = -5 }, "windowMinutes" },
        { Valid with { MinDataPoints = -1 }, "minDataPoints" },
        { Valid with { Threshold = null }, "threshold" },
        { Valid with { Threshold = double.NaN }, "threshold" },
        { Valid with { ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = null }, "baselineMultiplier" },
        { Valid with { ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = 2, BaselineDays = 0 }, "baselineDays" },
        { Valid with { ThresholdType = ThresholdType.PercentChange, Threshold = null }, "threshold" },
        { Valid with { ForSeconds = -1 }, "forSeconds" },
        { Valid with { CooldownMinutes = -1 }, "cooldownMinutes" },
        { Valid with { RepeatIntervalMinutes = 20_000 }, "repeatIntervalMinutes" },
        { Valid with { RunbookUrl = "ftp://x" }, "runbookUrl" },
        { Valid with { GroupBy = [""] }, "groupBy" },
        { Valid with { UnlessUsual = true, BaselineDays = 60 }, "baselineDays" },
        { Valid with { TrimMinutes = -1 }, "trimMinutes" },
        { Valid with { TrimMinutes = 5 }, "trimMinutes" }, // the whole 5-minute window
        { Valid with { WindowMinutes = 2.5, TrimMinutes = 1 }, "trimMinutes" },
        { Valid with { WindowMinutes = 120, TrimMinutes = 1 }, "trimMinutes" },
        { Valid with { Aggregation = Aggregation.RatePerMinute, TrimMinutes = 1 }, "trimMinutes" },
        { Valid with { Aggregation = Aggregation.Last, TrimMinutes = 1 }, "trimMinutes" },
        { Valid with { Aggregation = Aggregation.Min, TrimMinutes = 1 }, "trimMinutes" }, // greater_than: the highest minimum does not move the window's
        { Valid with { Aggregation = Aggregation.Max, Comparison = Comparison.LessThan, TrimMinutes = 1 }, "trimMinutes" },
        { Valid with { Comparison = Comparison.Equal, TrimMinutes = 1 }, "trimMinutes" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_InvalidField_NamesIt(AlertRule rule, string field)
    {
        var problems = RuleValidator.Validate(rule);

        Assert.True(problems.ContainsKey(field), $"expected a problem for {field}, got {string.Join(", ", problems.Keys)}");
    }

    [Fact]
    public void Validate_UnknownChannel_NamesIt()
    {
        var problems = RuleValidator.Validate(Valid with { Channels = ["ops", "nope"] }, id => id == "ops");

        Assert.Equal(["channel 'nope' does not exist"], problems["channels"]);
    }
}
