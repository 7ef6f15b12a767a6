using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;
using Vigil.Dashboard.Rules;

namespace Vigil.Dashboard.Tests;

/// <summary>How the rules list reads an anomaly rule's condition.</summary>
public sealed class RuleTextTests
{
    [Theory]
    [InlineData(Aggregation.RatePerMinute, Comparison.LessThan, AnomalyMethod.Sequential, "fewer than usual, sequential (medium)")]
    [InlineData(Aggregation.RatePerMinute, Comparison.GreaterThan, AnomalyMethod.Sequential, "more than usual, sequential (medium)")]
    [InlineData(Aggregation.ErrorRatePercent, Comparison.GreaterThan, AnomalyMethod.Sequential, "more than usual, sequential (medium)")]
    [InlineData(Aggregation.P50, Comparison.GreaterThan, AnomalyMethod.Sequential, "slower than usual, sequential (medium)")]
    [InlineData(Aggregation.P50, Comparison.GreaterThan, AnomalyMethod.Band, "above the band (medium)")]
    [InlineData(Aggregation.P95, Comparison.LessThan, AnomalyMethod.Band, "below the band (medium)")]
    public void Condition_AnAnomalyRule_SaysWhatItLooksFor(Aggregation aggregation, Comparison comparison, AnomalyMethod method, string expected)
    {
        var rule = new AlertRule
        {
            Id = "r",
            Name = "R",
            Metric = "http_request_duration_ms",
            Aggregation = aggregation,
            ThresholdType = ThresholdType.Anomaly,
            AnomalyMethod = method,
            Sensitivity = AnomalySensitivity.Medium,
            Comparison = comparison,
        };

        Assert.Equal(expected, RuleText.Condition(rule));
    }
}
