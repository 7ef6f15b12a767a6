using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>
/// Every aggregate stays finite (issue 9): sums saturate instead of overflowing to infinity,
/// window sums of whole units do not wrap, and judged values and thresholds are finite.
/// </summary>
public sealed class FiniteValuesTests
{
    [Theory]
    [InlineData(1, 2, 3)]
    [InlineData(double.MaxValue, double.MaxValue, double.MaxValue)]
    [InlineData(-double.MaxValue, -double.MaxValue, -double.MaxValue)]
    [InlineData(double.MaxValue, -double.MaxValue, 0)]
    [InlineData(double.PositiveInfinity, 1, double.MaxValue)]
    [InlineData(double.PositiveInfinity, double.NegativeInfinity, 0)]
    public void Add_SaturatesInsteadOfOverflowing(double a, double b, double expected) =>
        Assert.Equal(expected, FiniteValues.Add(a, b));

    [Theory]
    [InlineData(1e15, true)]
    [InlineData(-1e15, true)]
    [InlineData(double.Epsilon, true)]
    [InlineData(-0.0, true)]
    [InlineData(1.000000000000001e15, false)]
    [InlineData(double.MaxValue, false)]
    [InlineData(double.PositiveInfinity, false)]
    [InlineData(double.NaN, false)]
    public void IsAccepted_BoundsAtTenToTheFifteenth(double value, bool accepted) =>
        Assert.Equal(accepted, FiniteValues.IsAccepted(value));

    [Fact]
    public void Finite_InfinityAndNaN_BecomeTheLargestFiniteValueOrNothing()
    {
        Assert.Equal(double.MaxValue, FiniteValues.Finite(double.PositiveInfinity));
        Assert.Equal(-double.MaxValue, FiniteValues.Finite(double.NegativeInfinity));
        Assert.Equal(0, FiniteValues.Finite(double.NaN));
        Assert.Null(FiniteValues.FiniteOrNull(double.NaN));
        Assert.Equal(-double.MaxValue, FiniteValues.FiniteOrNull(double.NegativeInfinity));
        Assert.Equal(42, FiniteValues.FiniteOrNull(42));
    }

    [Fact]
    public void WindowAccumulator_RollupsOfDoubleMaxValue_EveryAggregationFinite()
    {
        var accumulator = new WindowAccumulator { IsCounter = true };
        accumulator.AddRollup(new Rollup(0, 1, double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue, 0, null), isError: false);
        accumulator.AddRollup(new Rollup(60_000, 1, double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue, 0, null), isError: false);

        Assert.Equal(double.MaxValue, accumulator.Sum);
        foreach (var aggregation in Enum.GetValues<Aggregation>())
        {
            foreach (var window in new[] { TimeSpan.FromTicks(1), TimeSpan.FromMinutes(5) })
            {
                var value = accumulator.Value(aggregation, window);
                Assert.True(value is null || double.IsFinite(value.Value), $"{aggregation} over {window}: {value}");
            }
        }
    }

    [Fact]
    public void RollupMerge_SumsOfDoubleMaxValue_Saturate() =>
        Assert.Equal(double.MaxValue, new Rollup(0, 1, double.MaxValue, 1, 1, 1, 0, null).Merge(new Rollup(0, 1, double.MaxValue, 1, 1, 1, 5, null)).Sum);

    [Fact]
    public void MetricSeries_RestoredRollupsOfDoubleMaxValueInOneMinute_SumSaturates()
    {
        var series = SampleData.NewSeries(MetricType.Gauge, "level");
        series.Record(1, 30_000);
        series.Restore(new Rollup(0, 1, double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue, 0, null));
        series.Restore(new Rollup(0, 1, double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue, 1, null));
        var accumulator = new WindowAccumulator();

        series.AggregateInto(accumulator, 0, 60_000);

        Assert.Equal(double.MaxValue, accumulator.Sum);
        Assert.True(double.IsFinite(accumulator.Value(Aggregation.Avg, TimeSpan.FromMinutes(1))!.Value));
    }

    [Fact]
    public void SeriesWindow_SumOfWholeUnitsPastLongRange_MatchesDecodingTheWindow()
    {
        // 3000 buckets of 4e15 (whole units, each below 2^53) sum to 1.2e19, past long.MaxValue.
        var series = SampleData.NewSeries(MetricType.Gauge, "big");
        const long BucketMs = 10_000;
        for (var i = 0; i < 3000; i++)
        {
            series.Record(4e15, i * BucketMs);
        }

        series.Record(1, 3001 * BucketMs); // later buckets push the others into the log
        var window = new SeriesWindow();
        var kept = new WindowAccumulator();
        var fresh = new WindowAccumulator();

        series.AggregateInto(kept, 0, 3000 * BucketMs, window, needsBins: false, needsExtremes: false);
        series.AggregateInto(fresh, 0, 3000 * BucketMs);

        Assert.Equal(1.2e19, fresh.Sum);
        Assert.Equal(fresh.Sum, kept.Sum);
    }

    [Fact]
    public void Judge_PercentChangeOverADenormalBaseline_ValueFiniteAndMet()
    {
        var rule = new AlertRule { Id = "r", Name = "jump", Metric = "m", ThresholdType = ThresholdType.PercentChange, Threshold = 50, WindowMinutes = 5 };

        var judged = RuleEvaluator.Judge(rule, LabelSet.Empty, (1e15, 10), Estimate(double.Epsilon));

        Assert.Equal(ConditionState.Met, judged.State);
        Assert.Equal(double.MaxValue, judged.Value);
    }

    [Fact]
    public void Judge_DynamicBaselineTimesHugeMultiplier_ThresholdFinite()
    {
        var rule = new AlertRule { Id = "r", Name = "spike", Metric = "m", ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = double.MaxValue, BaselineDays = 1, WindowMinutes = 5 };

        var judged = RuleEvaluator.Judge(rule, LabelSet.Empty, (1e15, 10), Estimate(1e15));

        Assert.Equal(double.MaxValue, judged.Threshold);
        Assert.Equal(ConditionState.NotMet, judged.State);
    }

    private static BaselineEstimate Estimate(double center) => new(center, 0, 0, 0, 100, 7, BaselineLevel.HourOfDay, 0, 0, 0);
}
