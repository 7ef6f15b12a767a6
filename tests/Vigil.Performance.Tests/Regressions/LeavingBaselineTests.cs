using Vigil.Performance.Regressions;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Tests.Regressions;

/// <summary>
/// Issue 13, item 3: a step becomes a regression only when it also leaves the operation's baseline,
/// and the detector takes the most confident finding that does, not only the most confident one.
/// </summary>
public sealed class LeavingBaselineTests
{
    private const long MinuteMs = 60_000;
    private const long StepMs = 1_000 * MinuteMs;
    private const long LastMinuteMs = StepMs + (9 * MinuteMs);

    // This hour of the week usually: median and average 110 ms, p95 113.
    private static readonly StoredBaseline Baseline = new("op", Slot: 12, Executions: 2_400, Failures: 0, AvgMs: 110, P50Ms: 110, P95Ms: 113, P99Ms: 115, Minutes: 120, FromMs: 0, ToMs: StepMs, ComputedAtMs: StepMs);

    [Fact]
    public void MedianFindingFirst_WithinTheUsualMedian_TheP95FindingThatLeavesItIsTaken()
    {
        // Since the step, ten minutes of 20 requests: median 114, p95 160, average 119 (all stepped
        // up from about 100): the median and the average are within 10 % of the hour's usual.
        var log = Minutes(p50: 114, p95: 160, average: 119);
        var median = Finding(StepMeasure.P50, before: 100, after: 114);
        var p95 = Finding(StepMeasure.P95, before: 110, after: 160);

        var leaving = RegressionMonitor.LeavingBaseline([median, p95], log, LastMinuteMs, Baseline, changePercent: 10);

        Assert.NotNull(leaving);
        Assert.Same(p95, leaving.Finding);
        Assert.Equal(113, leaving.BaselineMs);
        Assert.Equal(41.6, leaving.BaselineChangePercent);
        Assert.Null(RegressionMonitor.LeavingBaseline([median], log, LastMinuteMs, Baseline, changePercent: 10));
    }

    [Fact]
    public void MedianWithinTheUsualMedian_AverageSinceLeavesTheUsualAverage_TheMedianFindingIsTaken()
    {
        // The median's own value stays within 10 %, but the average since (125) leaves the usual 110:
        // the median's finding stands, with its change against the usual median.
        var log = Minutes(p50: 114, p95: 160, average: 125);
        var median = Finding(StepMeasure.P50, before: 100, after: 114);

        var leaving = RegressionMonitor.LeavingBaseline([median], log, LastMinuteMs, Baseline, changePercent: 10);

        Assert.NotNull(leaving);
        Assert.Same(median, leaving.Finding);
        Assert.Equal(3.6, leaving.BaselineChangePercent);
    }

    [Fact]
    public void GeometricMean_NoBaselineOfItsOwn_TakenOnlyWhenTheMedianOrTheAverageLeavesTheirs_ShownAgainstTheMedian()
    {
        var gmean = Finding(StepMeasure.GeometricMean, before: 100, after: 118);

        var within = RegressionMonitor.LeavingBaseline([gmean], Minutes(p50: 114, p95: 160, average: 119), LastMinuteMs, Baseline, changePercent: 10);
        var byTheMedian = RegressionMonitor.LeavingBaseline([gmean], Minutes(p50: 125, p95: 160, average: 119), LastMinuteMs, Baseline, changePercent: 10);
        var byTheAverage = RegressionMonitor.LeavingBaseline([gmean], Minutes(p50: 114, p95: 160, average: 135), LastMinuteMs, Baseline, changePercent: 10);

        Assert.Null(within);
        Assert.NotNull(byTheMedian);
        Assert.Equal(Baseline.P50Ms, byTheMedian.BaselineMs);
        Assert.Equal(Math.Round(100 * (125 - Baseline.P50Ms!.Value) / Baseline.P50Ms.Value, 1), byTheMedian.BaselineChangePercent);
        Assert.NotNull(byTheAverage); // the average cleared its baseline; shown against the median's, which did not
        Assert.Equal(Math.Round(100 * (114 - Baseline.P50Ms!.Value) / Baseline.P50Ms.Value, 1), byTheAverage.BaselineChangePercent);
    }

    [Fact]
    public void Improvement_TakenOnlyWhenItLeavesTheBaselineDownwards()
    {
        // Faster than the last hours (150 → 105) but not than the hour's usual 110: no improvement.
        var faster = Finding(StepMeasure.P50, before: 150, after: 105, direction: -1);

        Assert.Null(RegressionMonitor.LeavingBaseline([faster], Minutes(p50: 105, p95: 112, average: 106), LastMinuteMs, Baseline, changePercent: 10));
        Assert.Same(faster, RegressionMonitor.LeavingBaseline([faster], Minutes(p50: 90, p95: 100, average: 92), LastMinuteMs, Baseline, changePercent: 10)?.Finding);
    }

    private static StepFinding Finding(StepMeasure measure, double before, double after, int direction = 1) =>
        new(measure, direction, StepMs, before, after, Math.Round(100 * (after - before) / before, 1), Confidence: 0.9999999, BlockMinutes: 1);

    /// <summary>Ten minutes from the step, each of 20 requests with these values.</summary>
    private static MinuteLog Minutes(float p50, float p95, float average)
    {
        var log = new MinuteLog(StepDetector.HistoryMinutes);
        for (var minuteMs = StepMs; minuteMs <= LastMinuteMs; minuteMs += MinuteMs)
        {
            log.Set(minuteMs, new MinuteSummary(20, 20 * average, p50, p95, MathF.Log(average)));
        }

        return log;
    }
}
