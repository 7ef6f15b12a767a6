using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class RuleBacktestTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Replay_SlowStretch_FiresWhenTheWindowCrossesAndResolvesWhenItLeaves()
    {
        // Minutes 0-29 at 100 ms, 30-39 at 3000 ms, 40-59 at 100 ms; a 5-minute avg window.
        var series = Series(new() { ["route"] = "/a" }, m => m is >= 30 and < 40 ? 3000 : 100, minutes: 60);
        var rule = Rule() with { WindowMinutes = 5, Threshold = 1000 };

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddHours(1), Minute);

        // At 00:32 the window [27, 32) holds 2 slow minutes of 5: avg 1260 > 1000; at 00:44 one is left: 680.
        Assert.Equal(
            [(Start.AddMinutes(32), (AlertStatus?)null, AlertStatus.Pending), (Start.AddMinutes(32), AlertStatus.Pending, AlertStatus.Firing), (Start.AddMinutes(44), AlertStatus.Firing, AlertStatus.Resolved)],
            events.Select(e => (e.At, e.From, e.To)).ToArray());
        Assert.All(events.Where(e => e.To != AlertStatus.Pending), e => Assert.True(e.Notified));
        Assert.Equal(1260, events[0].Value);
        Assert.Equal(1000, events[0].Threshold);
    }

    [Fact]
    public void Replay_Cancelled_StopsWithoutAnAnswer()
    {
        var series = Series(new() { ["route"] = "/a" }, m => m is >= 30 and < 40 ? 3000 : 100, minutes: 60);
        var rule = Rule() with { WindowMinutes = 5, Threshold = 1000 };
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => RuleBacktest.Replay(rule, [series], Start, Start.AddHours(1), Minute, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Replay_ForSeconds_FiresOnlyAfterTheConditionHeldThatLong()
    {
        var series = Series([], m => m is >= 10 and < 20 ? 3000 : 100, minutes: 30);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, ForSeconds = 180 };

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(30), Minute);

        Assert.Equal(Start.AddMinutes(11), events.Single(e => e.To == AlertStatus.Pending).At);
        Assert.Equal(Start.AddMinutes(14), events.Single(e => e.To == AlertStatus.Firing).At);
        Assert.Equal(Start.AddMinutes(21), events.Single(e => e.To == AlertStatus.Resolved).At);
    }

    [Fact]
    public void Replay_Flapping_RecoveryThresholdHoldsTheAlertOpen()
    {
        // Alternates 1200 and 900 ms each minute: below 1000 but never below the 500 recovery threshold.
        var series = Series([], m => m < 10 ? 100 : m % 2 == 0 ? 1200 : 900, minutes: 30);
        var flapping = Rule() with { WindowMinutes = 1, Threshold = 1000 };
        var steady = flapping with { RecoveryThreshold = 500 };

        var withoutRecovery = RuleBacktest.Replay(flapping, [series], Start, Start.AddMinutes(30), Minute);
        var withRecovery = RuleBacktest.Replay(steady, [series], Start, Start.AddMinutes(30), Minute);

        Assert.Equal(10, withoutRecovery.Count(e => e.To == AlertStatus.Firing));
        Assert.Single(withRecovery, e => e.To == AlertStatus.Firing);
        Assert.DoesNotContain(withRecovery, e => e.To == AlertStatus.Resolved);
    }

    [Fact]
    public void Replay_CooldownAfterResolve_SecondEpisodeFiresWithoutNotifying()
    {
        var series = Series([], m => m is (>= 5 and < 8) or (>= 12 and < 15) ? 3000 : 100, minutes: 30);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, CooldownMinutes = 15 };

        var firings = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(30), Minute).Where(e => e.To == AlertStatus.Firing).ToArray();

        Assert.Equal([true, false], firings.Select(e => e.Notified).ToArray());
    }

    [Fact]
    public void Replay_GroupByAndMatch_OneTimelinePerGroupOfMatchingSeries()
    {
        var slowGet = Series(new() { ["route"] = "/slow", ["method"] = "GET" }, m => m >= 10 ? 3000 : 100, minutes: 20);
        var slowPost = Series(new() { ["route"] = "/slow", ["method"] = "POST" }, _ => 5000, minutes: 20);
        var fast = Series(new() { ["route"] = "/fast", ["method"] = "GET" }, _ => 50, minutes: 20);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, GroupBy = ["route"], Match = new Dictionary<string, string> { ["method"] = "GET" } };

        var events = RuleBacktest.Replay(rule, [slowGet, slowPost, fast], Start, Start.AddMinutes(20), Minute);

        var firing = Assert.Single(events, e => e.To == AlertStatus.Firing);
        Assert.Equal("/slow", firing.Group["route"]);
        Assert.Equal(Start.AddMinutes(11), firing.At);
    }

    [Fact]
    public void Replay_MinDataPointsNotMet_NeverFiresNorResolves()
    {
        var series = Series([], _ => 3000, minutes: 20, pointsPerMinute: 1);
        var rule = Rule() with { WindowMinutes = 2, Threshold = 1000, MinDataPoints = 5 };

        Assert.Empty(RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute));
    }

    [Fact]
    public void Replay_PercentChange_ComparesWithThePreviousWindow()
    {
        var series = Series([], m => m < 10 ? 100 : 250, minutes: 20);
        var rule = Rule() with { WindowMinutes = 5, ThresholdType = ThresholdType.PercentChange, Threshold = 50 };

        var firing = Assert.Single(RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute), e => e.To == AlertStatus.Firing);

        // At 00:11 the window [6, 11) averages 130 against 100 before: +30 %; at 00:12, 160: +60 %.
        Assert.Equal(Start.AddMinutes(12), firing.At);
        Assert.Equal(60, firing.Value!.Value, 6);
    }

    [Fact]
    public void Replay_DynamicThreshold_UsesTheBaselineTimesTheMultiplier()
    {
        var series = Series([], m => m >= 10 ? 450 : 100, minutes: 20);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = 2, Threshold = null };

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, baseline: _ => 200);

        var firing = Assert.Single(events, e => e.To == AlertStatus.Firing);
        Assert.Equal(400, firing.Threshold);
        Assert.Empty(RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, baseline: _ => null));
    }

    [Fact]
    public void Replay_WithOnStep_ReportsTheValueAndThresholdOfEveryStep()
    {
        var series = Series([], m => m >= 10 ? 450 : 100, minutes: 20);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = 2, Threshold = null };
        var steps = new List<BacktestStep>();

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, _ => 200, steps.Add);

        Assert.Equal(20, steps.Count);
        Assert.Equal(Start.AddMinutes(1), steps[0].At);
        Assert.Equal((100d, 400d, ConditionState.NotMet), (steps[0].Value!.Value, steps[0].Threshold!.Value, steps[0].State));
        Assert.Equal((450d, 400d, ConditionState.Met), (steps[10].Value!.Value, steps[10].Threshold!.Value, steps[10].State));
        Assert.Equal(events, RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, baseline: _ => 200));
    }

    [Fact]
    public void Replay_StepUnderAMinute_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => RuleBacktest.Replay(Rule(), [], Start, Start.AddHours(1), TimeSpan.FromSeconds(10)));

    private static AlertRule Rule() => new()
    {
        Id = "r1",
        Name = "Slow",
        Metric = "http_request_duration_ms",
        Aggregation = Aggregation.Avg,
        Comparison = Comparison.GreaterThan,
        ThresholdType = ThresholdType.Static,
        MinDataPoints = 1,
        CooldownMinutes = 0,
    };

    /// <summary>One rollup per minute from <see cref="Start"/>, every point of minute m equal to value(m).</summary>
    private static SeriesHistory Series(Dictionary<string, string> labels, Func<int, double> value, int minutes, int pointsPerMinute = 10)
    {
        var rollups = Enumerable.Range(0, minutes).Select(m =>
        {
            var v = value(m);
            return new Rollup(Start.AddMinutes(m).ToUnixTimeMilliseconds(), pointsPerMinute, v * pointsPerMinute, v, v, v, 59_000, null);
        }).ToArray();
        return new SeriesHistory(LabelSet.From(labels), IsError: false, IsCounter: false, rollups);
    }
}
