using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
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
    public void Replay_PercentChange_ComparesWithTheSeasonalBaselineOfThatHour()
    {
        // Eight days: 100 before noon, 200 after; on the last day 15:00-15:19 at 300 (+50 % for that hour).
        // (A rule's baseline is the same hour of past weeks: it needs one.)
        var series = Series([], m => Day(m) == 7 && HourOf(m) == 15 && m % 60 < 20 ? 300 : HourOf(m) < 12 ? 100 : 200, minutes: 8 * 1440);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.PercentChange, Threshold = 40 };

        var events = RuleBacktest.Replay(rule, [series], Start.AddDays(7), Start.AddDays(8), Minute);

        // The daily step from 100 to 200 at noon is what that hour always does: only the incident fires.
        var firing = Assert.Single(events, e => e.To == AlertStatus.Firing);
        Assert.Equal(Start.AddDays(7).AddHours(15).AddMinutes(1), firing.At);
        Assert.Equal(50, firing.Value!.Value, 6);
    }

    [Fact]
    public void Replay_DynamicThreshold_IsTheSeasonalCenterTimesTheMultiplier()
    {
        var series = Series([], m => Day(m) == 7 && HourOf(m) == 15 && m % 60 < 20 ? 300 : HourOf(m) < 12 ? 100 : 200, minutes: 8 * 1440);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = 1.4, Threshold = null };

        var events = RuleBacktest.Replay(rule, [series], Start.AddDays(7), Start.AddDays(8), Minute);

        var firing = Assert.Single(events, e => e.To == AlertStatus.Firing);
        Assert.Equal(280, firing.Threshold!.Value, 6);
        Assert.Equal(300, firing.Value);
    }

    [Fact]
    public void Replay_UnlessUsual_ARouteSlowEveryAfternoonFiresOnlyUntilThreeDaysShowItIsUsual_ARouteNewlySlowFires()
    {
        // "/report" is at 1 200 ms every afternoon (13:00-17:00) and 300 ms otherwise; "/cart" is at
        // 400 ms until day 8's afternoon, when it runs at 1 200 ms for two hours (14:00-16:00).
        var report = Series(new() { ["route"] = "/report" }, m => HourOf(m) is >= 13 and < 17 ? 1200 : 300, minutes: 9 * 1440);
        var cart = Series(new() { ["route"] = "/cart" }, m => Day(m) == 8 && HourOf(m) is >= 14 and < 16 ? 1200 : 400, minutes: 9 * 1440);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, RecoveryThreshold = 900, GroupBy = ["route"], UnlessUsual = true, BaselineDays = 7 };

        var events = RuleBacktest.Replay(rule, [report, cart], Start, Start.AddDays(9), Minute);
        var plain = RuleBacktest.Replay(rule with { UnlessUsual = false }, [report, cart], Start, Start.AddDays(9), Minute);

        int[] FiringDays(IEnumerable<BacktestEvent> list, string route) =>
            [.. list.Where(e => e.To == AlertStatus.Firing && e.Group["route"] == route).Select(e => (int)(e.At - Start).TotalDays)];

        // Until three past days have the hour, the threshold alone decides; from then on an
        // afternoon like every afternoon is not an incident, and the newly slow route still fires at once.
        Assert.Equal([0, 1, 2], FiringDays(events, "/report"));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8], FiringDays(plain, "/report"));
        var newlySlow = Assert.Single(events, e => e.To == AlertStatus.Firing && e.Group["route"] == "/cart");
        Assert.Equal(Start.AddDays(8).AddHours(14).AddMinutes(1), newlySlow.At);
        Assert.Single(plain, e => e.To == AlertStatus.Firing && e.Group["route"] == "/cart");
    }

    [Fact]
    public void Replay_UnlessUsual_ARouteSlowAllDayFromItsFirstHourNeverFires()
    {
        // "/export" runs at 1 200 ms around the clock from its first request: before any day knows
        // the hour, all of the history so far says it is slow by nature. In its first hour nothing
        // is known yet, so it is learning (not judged on the limit alone), and from then on it is usual.
        var export = Series(new() { ["route"] = "/export" }, _ => 1200, minutes: 4 * 1440);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, RecoveryThreshold = 900, GroupBy = ["route"], UnlessUsual = true, BaselineDays = 7 };

        var steps = new List<BacktestStep>();
        var events = RuleBacktest.Replay(rule, [export], Start, Start.AddDays(4), Minute, steps.Add);
        var plain = RuleBacktest.Replay(rule with { UnlessUsual = false }, [export], Start, Start.AddDays(4), Minute);

        Assert.Empty(events);
        Assert.Contains(plain, e => e.To == AlertStatus.Firing);
        Assert.All(steps.Where(s => s.At < Start.AddHours(1)), s => Assert.Equal(ConditionState.NotEnoughData, s.State));
        Assert.All(steps.Where(s => s.At > Start.AddHours(1).AddMinutes(1)), s => Assert.Equal(ConditionState.NotMet, s.State));
    }

    [Fact]
    public void Replay_UnlessUsual_ARouteRarelyWithEnoughPoints_LearnsForADayThenTheLimitAloneJudges()
    {
        // "/batch" has points in one minute of every six hours, always slow: four kept values a day,
        // short of the ten a usual value needs for two and a half days. It learns for a day after its
        // first value, then its windows are judged on the limit, as without unlessUsual.
        var batch = Series(new() { ["route"] = "/batch" }, _ => 1200, minutes: 3 * 1440, count: m => m % 360 == 0 ? 10 : 0);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, RecoveryThreshold = 900, GroupBy = ["route"], UnlessUsual = true, BaselineDays = 7 };

        var steps = new List<BacktestStep>();
        var events = RuleBacktest.Replay(rule, [batch], Start, Start.AddDays(3), Minute, steps.Add);

        Assert.DoesNotContain(events, e => e.To == AlertStatus.Firing && e.At < Start.AddDays(1));
        Assert.Contains(events, e => e.To == AlertStatus.Firing && e.At >= Start.AddDays(1) && e.At < Start.AddDays(2));
        Assert.Contains(steps, s => s.At < Start.AddDays(1) && s.Value == 1200 && s.State == ConditionState.NotEnoughData); // past the limit, learning
        Assert.Contains(steps, s => s.At >= Start.AddDays(1) && s.Value == 1200 && s.State == ConditionState.Met);
    }

    [Fact]
    public void Replay_BaselineWithoutHistory_NotEnoughDataNeverFires()
    {
        var series = Series([], m => m >= 10 ? 450 : 100, minutes: 20);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.Anomaly, Threshold = null };
        var steps = new List<BacktestStep>();

        Assert.Empty(RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, steps.Add));
        Assert.All(steps, s => Assert.Equal(ConditionState.NotEnoughData, s.State));
    }

    [Fact]
    public void Replay_PointInTime_LaterDataAndWhereTheRangeStartsChangeNothing()
    {
        // A baseline judged as of each step: the same minutes judge alike whether the range
        // starts earlier, and whether the history goes on after them (with a huge change).
        var normal = Series([], m => Day(m) == 7 && HourOf(m) == 15 && m % 60 < 20 ? 300 : HourOf(m) < 12 ? 100 : 200, minutes: 8 * 1440);
        var withFuture = Series([], m => m >= 8 * 1440 ? 5000 : Day(m) == 7 && HourOf(m) == 15 && m % 60 < 20 ? 300 : HourOf(m) < 12 ? 100 : 200, minutes: 9 * 1440);
        var rule = Rule() with { WindowMinutes = 1, ThresholdType = ThresholdType.Anomaly, Threshold = null };
        var from = Start.AddDays(7);
        var to = Start.AddDays(8);
        List<BacktestStep> Steps(SeriesHistory series, DateTimeOffset start)
        {
            var steps = new List<BacktestStep>();
            RuleBacktest.Replay(rule, [series], start, to, Minute, steps.Add);
            return [.. steps.Where(s => s.At >= from.AddHours(12))];
        }

        var reference = Steps(normal, from);

        Assert.Equal(721, reference.Count); // 12:00 to 24:00, both judged
        Assert.Equal(reference, Steps(normal, from.AddHours(11)));
        Assert.Equal(reference, Steps(withFuture, from));
        Assert.Contains(reference, s => s.State == ConditionState.Met);
    }

    [Fact]
    public void Replay_MetMinutesOfMinutes_OneMinuteSpikeQuietSustainedStepFiresOnItsThirdMinute()
    {
        // Minute 10 spikes; minutes 30-39 stay high. Three of the last five minutes must be over.
        var series = Series([], m => m == 10 || m is >= 30 and < 40 ? 3000 : 100, minutes: 60);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, MetMinutes = 3, OfMinutes = 5 };

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddHours(1), Minute);

        // The window [30, 31) is judged at 00:31: over at 00:31, 00:32, 00:33 -> firing at 00:33.
        // After the step, 3 of 5 still hold until 00:43 (minutes 38, 39, 40 ... the last over is 00:40).
        var firing = Assert.Single(events, e => e.To == AlertStatus.Firing);
        Assert.Equal(Start.AddMinutes(33), firing.At);
        var resolved = Assert.Single(events, e => e.To == AlertStatus.Resolved);
        Assert.Equal(Start.AddMinutes(43), resolved.At);
    }

    [Fact]
    public void Replay_MetMinutesOfMinutes_OneClearMinuteInsideAnIncident_StaysOneAlertResolvingAfterAsManyClearMinutes()
    {
        // Minutes 30-39 are over except minute 34. Three of three must be over to fire, and
        // three of three clear to resolve: the dip does not resolve and re-fire the alert.
        var series = Series([], m => m is >= 30 and < 40 && m != 34 ? 3000 : 100, minutes: 60);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, MetMinutes = 3, OfMinutes = 3 };

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddHours(1), Minute);

        Assert.Equal(Start.AddMinutes(33), Assert.Single(events, e => e.To == AlertStatus.Firing).At);
        Assert.Equal(Start.AddMinutes(43), Assert.Single(events, e => e.To == AlertStatus.Resolved).At);
    }

    [Fact]
    public void Replay_Anomaly_SeriesDriftsUpAWeekLater_FollowsTheLevelWithinHours_StillCatchesALaterStep()
    {
        // A week at 100, then a week at 140 (40 % over last week's same hours: beyond low's 35 %),
        // with a step to 280 for 30 minutes on the second week's third day. The level (median of
        // the last hours' value/center ratios, from 6 hours on) lifts the center to 140: the
        // drift is one alert of a few hours, and the step is still caught.
        const int week = 7 * 24 * 60;
        const int step = week + (2 * 24 * 60) + (2 * 60);
        var series = Series([], m => m < week ? 100 : m is >= step and < step + 30 ? 280 : 140, minutes: 2 * week, pointsPerMinute: 20);
        var rule = Rule() with
        {
            WindowMinutes = 1, Threshold = null, ThresholdType = ThresholdType.Anomaly, Sensitivity = AnomalySensitivity.Low, BaselineDays = 7,
        };

        var events = RuleBacktest.Replay(rule, [series], Start.AddMinutes(week), Start.AddMinutes(2 * week), Minute);

        var firings = events.Where(e => e.To == AlertStatus.Firing).Select(e => e.At).ToList();
        var resolutions = events.Where(e => e.To == AlertStatus.Resolved).Select(e => e.At).ToList();
        Assert.Equal(2, firings.Count);
        Assert.InRange(firings[0], Start.AddMinutes(week), Start.AddMinutes(week + 5));
        Assert.InRange(resolutions[0], Start.AddMinutes(week + (5 * 60)), Start.AddMinutes(week + (8 * 60)));
        Assert.InRange(firings[1], Start.AddMinutes(step), Start.AddMinutes(step + 5));
    }

    [Fact]
    public void Replay_WithOnStep_ReportsTheValueAndThresholdOfEveryStep()
    {
        var series = Series([], m => m >= 10 ? 450 : 100, minutes: 20);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 400 };
        var steps = new List<BacktestStep>();

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute, steps.Add);

        Assert.Equal(20, steps.Count);
        Assert.Equal(Start.AddMinutes(1), steps[0].At);
        Assert.Equal((100d, 400d, ConditionState.NotMet), (steps[0].Value!.Value, steps[0].Threshold!.Value, steps[0].State));
        Assert.Equal((450d, 400d, ConditionState.Met), (steps[10].Value!.Value, steps[10].Threshold!.Value, steps[10].State));
        Assert.Equal(events, RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(20), Minute));
    }

    [Fact]
    public void Replay_StepOfFiveMinutes_ReportsEveryFifthMinuteButJudgesEachOne()
    {
        var series = Series([], m => m is >= 12 and < 14 ? 3000 : 100, minutes: 30);
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000 };
        var steps = new List<BacktestStep>();

        var events = RuleBacktest.Replay(rule, [series], Start, Start.AddMinutes(30), TimeSpan.FromMinutes(5), steps.Add);

        Assert.Equal([5, 10, 15, 20, 25, 30], steps.Select(s => (int)(s.At - Start).TotalMinutes));
        Assert.Equal(Start.AddMinutes(13), Assert.Single(events, e => e.To == AlertStatus.Firing).At);
    }

    [Fact]
    public void RuleMemory_ForgetIdle_DropsOnlyGroupsNotJudgedSinceTheCutoff()
    {
        var rule = Rule() with { WindowMinutes = 1, Threshold = 1000, MetMinutes = 2, OfMinutes = 3 };
        var memory = new RuleMemory(rule);
        var startMs = Start.ToUnixTimeMilliseconds();
        var gone = LabelSet.From([new KeyValuePair<string, string>("route", "/gone")]);
        var kept = LabelSet.From([new KeyValuePair<string, string>("route", "/kept")]);
        memory.Judge(rule, gone, (2000, 10), startMs);
        memory.Judge(rule, kept, (2000, 10), startMs);
        memory.Judge(rule, kept, (2000, 10), startMs + (2 * 86_400_000L));

        memory.ForgetIdle(startMs + 86_400_000L);

        Assert.Equal(1, memory.GroupCount);

        // The kept group still remembers its minutes: met again a minute later makes 2 of 3.
        Assert.Equal(ConditionState.Met, memory.Judge(rule, kept, (2000, 10), startMs + (2 * 86_400_000L) + 60_000).State);
    }

    [Fact]
    public void RuleMemory_UnlessUsual_KeepsOneValueInFiveMinutes_AndKnowsTheHourAfterThreeDays()
    {
        // A 15-minute p95 limit over 15 days, 1 200 ms from 13:00 to 17:00 every day and 300 ms
        // otherwise: its baseline keeps one value every 5 minutes, not one a minute (47 KB against
        // 117 KB: the 168 slots' bookkeeping stays), and still knows the hour after three days.
        var rule = Rule() with { Aggregation = Aggregation.P95, WindowMinutes = 15, Threshold = 1000, RecoveryThreshold = 900, UnlessUsual = true, BaselineDays = 14 };
        var perMinute = rule with { ThresholdType = ThresholdType.PercentChange, Threshold = 50, UnlessUsual = false };
        var memory = new RuleMemory(rule);
        var reference = new RuleMemory(perMinute);
        var group = LabelSet.From([new KeyValuePair<string, string>("route", "/report")]);
        var startMs = Start.ToUnixTimeMilliseconds();
        var states = new Dictionary<int, ConditionState>();
        for (var minute = 0; minute < 15 * 1440; minute++)
        {
            var value = HourOf(minute) is >= 13 and < 17 ? 1200.0 : 300.0;
            var outcome = memory.Judge(rule, group, (value, 100), startMs + (minute * 60_000L));
            reference.Judge(perMinute, group, (value, 100), startMs + (minute * 60_000L));
            if (minute % 1440 == (15 * 60) + 30)
            {
                states[Day(minute)] = outcome.State;
            }
        }

        Assert.True(memory.ApproximateBytes * 2 < reference.ApproximateBytes, $"{memory.ApproximateBytes} bytes against {reference.ApproximateBytes} fed every minute");
        Assert.Equal([ConditionState.Met, ConditionState.Met, ConditionState.Met], [.. states.Where(s => s.Key < 3).Select(s => s.Value)]);
        Assert.All(states.Where(s => s.Key >= 3), s => Assert.Equal(ConditionState.NotMet, s.Value));
    }

    [Theory]
    [InlineData(1.6, true)]
    [InlineData(1.15, false)]
    public void RuleMemory_LatencyWithAnHourlyRamp_JudgedAgainstItsWindowToWindowNoise(double step, bool met)
    {
        // Every hour ramps from 100 to 150 ms (± 1 %), so an hour-of-week slot spreads widely (6 σ
        // above its center of 125 is about 235) while one window differs from the one before by 2.5 %.
        // Against the slot's spread alone a 1.6× step (about 200 ms) stays inside the band; against
        // the window-to-window noise the 35 % minimum change decides: 1.6× is an anomaly, 1.15× is not.
        var rule = Rule() with
        {
            Aggregation = Aggregation.P50, WindowMinutes = 3, ThresholdType = ThresholdType.Anomaly, Threshold = null,
            Sensitivity = AnomalySensitivity.Low, BaselineDays = 14, MetMinutes = 4, OfMinutes = 5,
        };
        var memory = new RuleMemory(rule);
        var group = LabelSet.From([new KeyValuePair<string, string>("service", "checkout")]);
        var random = new Random(7);
        var startMs = Start.ToUnixTimeMilliseconds();
        var stepFrom = (3 * 7 * 1440) + (10 * 60) + 30; // week 3, Monday 10:30
        var states = new List<ConditionState>();
        for (var minute = 0; minute < stepFrom + 30; minute++)
        {
            var ramp = 100 * (1 + (0.5 * (minute % 60) / 60.0)) * (1 + (0.01 * ((random.NextDouble() * 2) - 1)));
            var value = minute >= stepFrom ? ramp * step : ramp;
            var outcome = memory.Judge(rule, group, (value, 100), startMs + (minute * 60_000L));
            if (minute >= stepFrom)
            {
                states.Add(outcome.State);
            }
        }

        Assert.Equal(met, states.Skip(10).All(s => s == ConditionState.Met));
        Assert.Equal(met, states.Any(s => s == ConditionState.Met));
    }

    [Fact]
    public void Replay_TrimMinutes_ABurstMinuteNeverFires_SustainedErrorsFireAsWithoutTrimming()
    {
        // 20 requests a minute; a burst of 10 errors in minute 30; 2 errors a minute (10 %) in minutes 60-89.
        int Errors(int m) => m == 30 ? 10 : m is >= 60 and < 90 ? 2 : 0;
        var ok = Series(new() { ["status"] = "200" }, _ => 50, minutes: 120, pointsPerMinute: 20, count: m => 20 - Errors(m));
        var failed = Series(new() { ["status"] = "500" }, _ => 30, minutes: 120, count: Errors) with { IsError = true };
        var whole = Rule() with { Aggregation = Aggregation.ErrorRatePercent, WindowMinutes = 10, Threshold = 4 };
        var trimmed = whole with { TrimMinutes = 1 };

        var wholeFirings = RuleBacktest.Replay(whole, [ok, failed], Start, Start.AddHours(2), Minute).Where(e => e.To == AlertStatus.Firing).ToArray();
        var trimmedFirings = RuleBacktest.Replay(trimmed, [ok, failed], Start, Start.AddHours(2), Minute).Where(e => e.To == AlertStatus.Firing).ToArray();

        // Untrimmed the burst alone holds the window at 5 % for ten minutes; trimmed it is gone. The
        // sustained 10 % passes 4 % in its fifth minute either way: untrimmed 10 errors in 200
        // requests (5 %), trimmed 8 in 180 (4.4 %) once the first of its minutes is left out.
        Assert.Equal([Start.AddMinutes(31), Start.AddMinutes(65)], wholeFirings.Select(e => e.At).ToArray());
        Assert.Equal([Start.AddMinutes(65)], trimmedFirings.Select(e => e.At).ToArray());
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

    private static int Day(int minute) => minute / 1440;

    private static int HourOf(int minute) => minute % 1440 / 60;

    /// <summary>One rollup per minute from <see cref="Start"/>, every point of minute m equal to value(m).</summary>
    private static SeriesHistory Series(Dictionary<string, string> labels, Func<int, double> value, int minutes, int pointsPerMinute = 10, Func<int, int>? count = null)
    {
        var rollups = Enumerable.Range(0, minutes).Where(m => (count?.Invoke(m) ?? pointsPerMinute) > 0).Select(m =>
        {
            var v = value(m);
            var n = count?.Invoke(m) ?? pointsPerMinute;
            return new Rollup(Start.AddMinutes(m).ToUnixTimeMilliseconds(), n, v * n, v, v, v, 59_000, null);
        }).ToArray();
        return new SeriesHistory(LabelSet.From(labels), IsError: false, IsCounter: false, rollups);
    }
}
