using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class SequentialTestTests
{
    // A Monday: day 14 of the history is a Monday too.
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly long StartMinute = Start.ToUnixTimeMilliseconds() / 60_000;
    private const int Day = 1440;

    /// <summary>Seeds for a test that must hold on every draw, not on one.</summary>
    public static TheoryData<int> Draws => [1, 2, 3, 4, 5, 6];

    [Fact]
    public void Traffic_TwoCleanWeeks_StaysQuiet_AStoppedStreamFiresInItsSecondMinute_AndClearsWhenTrafficIsBack()
    {
        var rule = Drop();
        var test = new SequentialTest(rule);
        var random = new Random(7);
        var incident = (14 * Day) + (10 * 60);

        var met = new List<int>();
        var recoveredAt = -1;
        for (var m = 0; m < incident + 60; m++)
        {
            var stopped = m >= incident && m < incident + 20;
            test.Add(Tally(m, stopped ? 0 : Poisson(random, DailyRate(m, 20, 100))));
            var outcome = test.Judge(rule, LabelSet.Empty, (0, 0));
            if (outcome.State == ConditionState.Met)
            {
                met.Add(m);
            }
            else if (m > incident && recoveredAt < 0 && outcome.Recovered)
            {
                recoveredAt = m;
            }
        }

        Assert.NotEmpty(met);
        Assert.Equal(incident + 1, met[0]);
        Assert.Equal(Enumerable.Range(incident + 1, met.Count), met); // one stretch, none before
        Assert.InRange(met[^1], incident + 19, incident + 23);
        Assert.InRange(recoveredAt, met[^1] + 1, incident + 25); // the sum is capped: traffic back clears it within minutes
    }

    [Fact]
    public void Traffic_QuietService_ADropToAQuarterFiresWithinMinutes_AOneMinuteGapDoesNot()
    {
        var rule = Drop();
        var test = new SequentialTest(rule);
        var random = new Random(11);
        var gap = (14 * Day) + (9 * 60);
        var incident = (14 * Day) + (14 * 60);

        int? gapFired = null, fired = null;
        for (var m = 0; m < incident + 60; m++)
        {
            var rate = m >= incident ? 5.0 / 4 : 5.0;
            test.Add(Tally(m, m == gap ? 0 : Poisson(random, rate)));
            if (test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met && m >= 7 * Day)
            {
                if (m < incident)
                {
                    gapFired ??= m;
                }
                else
                {
                    fired ??= m;
                }
            }
        }

        Assert.Null(gapFired);
        Assert.NotNull(fired);
        Assert.InRange(fired.Value - incident, 2, 15);
    }

    [Fact]
    public void Traffic_SurgeToThreeTimes_FiresWithinMinutes_WhileTheUsualDailyCycleNeverDoes()
    {
        var rule = Drop() with { Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(3);
        var incident = (15 * Day) + (3 * 60);

        int? early = null, fired = null;
        for (var m = 0; m < incident + 30; m++)
        {
            var rate = DailyRate(m, 4, 60) * (m >= incident ? 3 : 1);
            test.Add(Tally(m, Poisson(random, rate)));
            var outcome = test.Judge(rule, LabelSet.Empty, (0, 0));
            if (outcome.State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value - incident, 0, 5);
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Traffic_ASteadyServicesSurgeToTwice_FiresInItsSecondMinute_ItsSpreadLearntFromItsOwnMinutes(int seed)
    {
        // Requests a minute are Poisson around a daily cycle, nothing beyond: the spread learnt is the
        // least the test takes (a tenth), so a surge to twice is beyond chance in two minutes, where
        // the spread assumed for every service (a quarter) needs three or four.
        var rule = Drop() with { Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(seed);
        var incident = (15 * Day) + (14 * 60);

        int? early = null, fired = null;
        for (var m = 0; m < incident + 10; m++)
        {
            test.Add(Tally(m, Poisson(random, DailyRate(m, 30, 60) * (m >= incident ? 2 : 1))));
            if (test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value - incident, 1, 2);
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Traffic_ABurstyServicesOwnNoise_FiresAtMostOnceInNineDays_ASurgeToThreeTimesStillFires(int seed)
    {
        // A minute's requests stray 40 % beyond Poisson (a gamma-mixed Poisson): learnt from its own
        // minutes, that is its usual, not a surge or a drop. On 30 draws of these nine judged days the
        // drop and surge tests fired once in all; with a spread of a quarter taken for every service,
        // 197 times (6.6 a draw).
        var surge = Drop() with { Comparison = Comparison.GreaterThan };
        var (drops, surges) = (new SequentialTest(Drop()), new SequentialTest(surge));
        var random = new Random(seed);
        var incident = (16 * Day) + (15 * 60);

        var (falseFirings, wasMet) = (0, false);
        int? fired = null;
        for (var m = 0; m < incident + 30; m++)
        {
            var count = Poisson(random, DailyRate(m, 40, 80) * Gamma(random, 1 / (0.4 * 0.4)) * (m >= incident ? 3 : 1));
            drops.Add(Tally(m, count));
            surges.Add(Tally(m, count));
            var met = drops.Judge(Drop(), LabelSet.Empty, (0, 0)).State == ConditionState.Met || surges.Judge(surge, LabelSet.Empty, (0, 0)).State == ConditionState.Met;
            falseFirings += met && !wasMet && m < incident ? 1 : 0;
            fired ??= met && m >= incident ? m : null;
            wasMet = met;
        }

        Assert.InRange(falseFirings, 0, 1);
        Assert.InRange(fired!.Value - incident, 1, 10);
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Traffic_SwingsThatLastSeveralMinutes_AreLearntAsTheServicesSpread_NotTakenForDropsOrSurges(int seed)
    {
        // The rate strays 15 % beyond Poisson, and each minute's swing carries four fifths of the one
        // before (a batch job, a big client): such swings add up in the sums like a change does, so
        // the spread learnt must hold them, not only what one minute differs from the next.
        var surge = Drop() with { Comparison = Comparison.GreaterThan };
        var (drops, surges) = (new SequentialTest(Drop()), new SequentialTest(surge));
        var random = new Random(seed);
        var end = 16 * Day;

        var (falseFirings, wasMet, swing) = (0, false, 0.0);
        for (var m = 0; m < end; m++)
        {
            swing = (0.8 * swing) + (0.15 * Math.Sqrt(1 - (0.8 * 0.8)) * Normal(random));
            var count = Poisson(random, 60 * Math.Exp(swing));
            drops.Add(Tally(m, count));
            surges.Add(Tally(m, count));
            var met = drops.Judge(Drop(), LabelSet.Empty, (0, 0)).State == ConditionState.Met || surges.Judge(surge, LabelSet.Empty, (0, 0)).State == ConditionState.Met;
            falseFirings += met && !wasMet ? 1 : 0;
            wasMet = met;
        }

        Assert.InRange(falseFirings, 0, 1);
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Surge_AfterASurgeInTheSameHourLastWeek_TwiceAsManyStillFiresWithinMinutes(int seed)
    {
        // Last week's 14:00 hour had three times its usual 6 requests a minute: one like hour among
        // eight, which the median leaves out, and the stray of the like hours must leave out too. On
        // six draws it fires after 3-11 minutes; with their mean absolute distance, 8-24.
        var rule = Drop() with { Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(seed);
        var lastWeek = (8 * Day) + (14 * 60);
        var incident = (15 * Day) + (14 * 60) + 10;

        int? fired = null;
        for (var m = 0; m < incident + 30; m++)
        {
            var factor = (m >= lastWeek && m < lastWeek + 60) ? 3 : m >= incident ? 2 : 1;
            test.Add(Tally(m, Poisson(random, 6 * factor)));
            if (m >= incident && test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met)
            {
                fired ??= m;
            }
        }

        Assert.InRange(fired!.Value - incident, 1, 12);
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Traffic_HoursAsBusyAsTheirLikeHoursStrayFromEachOther_AreNoSurge_ThreeTimesIs(int seed)
    {
        // Minutes are Poisson within an hour (a spread of a tenth is learnt), but each hour runs about
        // 12 % above or below its like hours (log-normal, independent): an hour a third busier than
        // their median is one they stray to, not a surge. On these six draws of nine judged days: 4
        // false firings in all; without the like hours' stray, the minutes' own spread alone, 41;
        // with the spread of a quarter taken for every service before, 11.
        var rule = Drop() with { Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(seed);
        var incident = (16 * Day) + (16 * 60);

        var (early, hourFactor) = (0, 1.0);
        int? fired = null;
        var wasMet = false;
        for (var m = 0; m < incident + 30; m++)
        {
            hourFactor = m % 60 == 0 ? Math.Exp(0.12 * Normal(random)) : hourFactor;
            test.Add(Tally(m, Poisson(random, DailyRate(m, 30, 60) * hourFactor * (m >= incident ? 3 : 1))));
            var met = test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met;
            early += met && !wasMet && m < incident ? 1 : 0;
            fired ??= met && m >= incident ? m : null;
            wasMet = met;
        }

        Assert.InRange(early, 0, 2);
        Assert.InRange(fired!.Value - incident, 1, 5);
    }

    [Fact]
    public void Errors_EightPercentOnAQuietService_Fires_AOneMinuteBurstDoesNot()
    {
        var rule = Drop() with { Aggregation = Aggregation.ErrorRatePercent, Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(5);
        var burst = (14 * Day) + (8 * 60);
        var incident = (14 * Day) + (12 * 60);

        int? burstFired = null, fired = null;
        GroupEvaluation? firing = null;
        for (var m = 0; m < incident + 60; m++)
        {
            var requests = Poisson(random, 15);
            var rate = m == burst ? 0.6 : m >= incident ? 0.08 : 0.005;
            var errors = Enumerable.Range(0, requests).Count(_ => random.NextDouble() < rate);
            test.Add(new MinuteTally(StartMinute + m, requests, requests, errors));
            var outcome = test.Judge(rule, LabelSet.Empty, (100.0 * errors / Math.Max(1, requests), requests));
            if (outcome.State == ConditionState.Met && m >= 7 * Day)
            {
                if (m < incident)
                {
                    burstFired ??= m;
                }
                else if (fired is null)
                {
                    fired = m;
                    firing = outcome;
                }
            }
        }

        Assert.Null(burstFired);
        Assert.InRange(fired!.Value - incident, 1, 20);
        Assert.Equal(0.5, firing!.Threshold!.Value, 0.2); // the usual 0.5 %
        Assert.Matches(@"error rate of [\d.]+ % over the last 5 minutes, usually 0\.[4-6]\d* % at this hour", firing.Reason);
    }

    [Fact]
    public void Errors_AfterEightPercentOnAQuietService_ClearWithinMinutesOfItsEnd_NotWhenTheSmallerStepsSumHasCaughtUp()
    {
        // 12 requests a minute, 0.5 % errors, then 30 minutes at 8 %: the sum for 2 points more reaches its
        // cap too, and the usual minutes of a service this quiet take it down by about 0.15 a minute.
        var (fired, recovered, _) = ErrorEpisode(new Random(8), requests: 12, rate: 0.08, minutes: 30, after: 240);

        Assert.InRange(fired!.Value, 1, 15); // minutes after the errors began
        Assert.InRange(recovered!.Value, 0, 45); // minutes after they ended: the 7-point sum's end, not the 2-point sum's two hours
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Errors_FourPercentForTwoHoursOnAQuietService_ClearSoonAfterTheirEnd_WhicheverStepFiredFirst(int seed)
    {
        // Both sums reach their cap; on some draws the 2-point one fires first, and the 7-point one later.
        var (fired, recovered, _) = ErrorEpisode(new Random(seed), requests: 12, rate: 0.04, minutes: 120, after: 240);

        Assert.NotNull(fired);
        Assert.InRange(recovered!.Value, 0, 60); // minutes after the errors ended
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Errors_ThreePercentForAnHourAtSixtyAMinute_IsOneAlert_ThoughMinutesWithoutErrorsComeNowAndThen(int seed)
    {
        // The 7-point sum may fire by chance and clear while the 3 % goes on; a minute without errors (one in
        // six here) must not end the 2-point sum that the hour feeds.
        var (fired, _, firings) = ErrorEpisode(new Random(seed), requests: 60, rate: 0.03, minutes: 60, after: 60);

        Assert.NotNull(fired);
        Assert.Equal(1, firings);
    }

    [Fact]
    public void Errors_ASteadyThreePercentOnABusyService_IsOneAlert_NotOneThatResolvesAndFiresAgain()
    {
        var rule = Drop() with { Aggregation = Aggregation.ErrorRatePercent, Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(3);
        var incident = (14 * Day) + (9 * 60);
        var (firings, met) = (0, false);
        for (var m = 0; m < incident + (4 * 60); m++)
        {
            var requests = Poisson(random, 5000);
            var errors = Binomial(random, requests, m >= incident ? 0.03 : 0.005);
            test.Add(new MinuteTally(StartMinute + m, requests, requests, errors));
            var outcome = test.Judge(rule, LabelSet.Empty, (100.0 * errors / requests, requests));
            firings += !met && outcome.State == ConditionState.Met ? 1 : 0;
            met = outcome.State == ConditionState.Met || (met && !outcome.Recovered);
        }

        Assert.Equal(1, firings);
        Assert.True(met);
    }

    [Fact]
    public void Learning_UntilTheSameHourOfAPastWeekIsKnown_NotEnoughData()
    {
        var rule = Drop();
        var test = new SequentialTest(rule);
        for (var m = 0; m < (7 * Day) + 60; m++)
        {
            test.Add(Tally(m, m < 7 * Day ? 50 : 0));
            var outcome = test.Judge(rule, LabelSet.Empty, (0, 0));
            Assert.Equal(m < 7 * Day ? ConditionState.NotEnoughData : m == 7 * Day ? ConditionState.NotMet : ConditionState.Met, outcome.State);
        }
    }

    [Theory]
    [InlineData(14)]
    [InlineData(7)]
    public void UsualRate_SaturdaysFirstMinutes_AreNotPulledTowardFridayNight_ButAWeekdayEveningIsInterpolatedTowardMidnight(int baselineDays)
    {
        var test = new SequentialTest(Drop() with { BaselineDays = baselineDays });
        for (var m = 0; m < (19 * Day) + 60; m++)
        {
            var weekend = (m / Day % 7) >= 5;
            test.Add(Tally(m, weekend ? 10 : m % Day < 60 ? 200 : 100)); // weekdays: 200 from midnight to 01:00
        }

        Assert.Equal(10, test.UsualRate(StartMinute + (19 * Day) + 5)!.Value, 6); // Saturday 00:05
        var thursdayLate = test.UsualRate(StartMinute + (17 * Day) + (23 * 60) + 55); // Thursday 23:55, 100, and Friday 00:00-01:00, 200
        Assert.Equal(100 + (100 * ((55.5 / 60) - 0.5)), thursdayLate!.Value, 6);
    }

    [Fact]
    public void Traffic_AServiceThatShrinksEveryDay_IsComparedWithPastWeeksAtItsLevelNow_SoOnlyARealDropFires()
    {
        // 7 % fewer requests every day (0.6 times a week before), and a quiet weekend whose only like
        // hours are weeks old: a week-old Saturday hour taken as it was would be a drop to 60 %.
        var rule = Drop();
        var test = new SequentialTest(rule);
        var random = new Random(12);
        var incident = (19 * Day) + (13 * 60); // a Saturday afternoon
        int? early = null, fired = null;
        for (var m = 0; m < incident + 60; m++)
        {
            var weekend = (m / Day % 7) >= 5;
            var rate = DailyRate(m, 10, 40) * Math.Exp(-0.07 * m / Day) * (weekend ? 0.35 : 1) * (m >= incident ? 0.25 : 1);
            test.Add(Tally(m, Poisson(random, rate)));
            if (test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value - incident, 2, 20);
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(2.5)]
    public void Traffic_AChangeFromEarlyOnAMonday_IsNotTakenForTheLevelOfTheDay_ItFiresUntilItEnds(double factor)
    {
        // On a Monday the recent days alike (Thursday, Friday) are compared with today's hours alone
        // (Sunday is not alike them): those hours are the change itself, which must not become usual.
        var rule = Drop() with { Comparison = factor < 1 ? Comparison.LessThan : Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var random = new Random(1);
        var incident = (21 * Day) + 30; // Monday 00:30
        var end = incident + (10 * 60);
        int? fired = null, recovered = null;
        for (var m = 0; m < end; m++)
        {
            var weekend = (m / Day % 7) >= 5;
            var rate = DailyRate(m, 20, 100) * (weekend ? 0.35 : 1) * (m >= incident ? factor : 1);
            test.Add(Tally(m, Poisson(random, rate)));
            var outcome = test.Judge(rule, LabelSet.Empty, (0, 0));
            if (m >= incident && outcome.State == ConditionState.Met)
            {
                fired ??= m;
            }
            else if (fired is not null && outcome.Recovered)
            {
                recovered ??= m;
            }
        }

        Assert.InRange(fired!.Value - incident, 1, 10);
        Assert.Null(recovered); // still firing ten hours on
    }

    [Fact]
    public void Drop_AMinuteIsWeighedAgainstTheUsualRateLessItsOwnError_WhichAQuietHoursFewRequestsLeaveLarge()
    {
        // One request every other minute for 15 days: each hour's usual 0.5 a minute is learnt from its
        // eight like hours (two past weeks, six alike days) of 30 requests each, 240 in all.
        var rule = Drop();
        var test = new SequentialTest(rule);
        var last = (15 * Day) + (10 * 60); // even: a minute with its request, after which the sum is 0
        for (var m = 0; m <= last; m++)
        {
            test.Add(Tally(m, m % 2 == 0 ? 1 : 0));
        }

        Assert.Equal(0, test.Evidence);
        test.Add(Tally(last + 1, 0));

        const double Shape = 16; // 1 / 0.25²
        var still = 0.5 * (1 - (1.25 / Math.Sqrt(240)));
        Assert.Equal(Shape * Math.Log((Shape + still) / (Shape + (0.4 * 0.5))), test.Evidence, 9);
        Assert.True(test.Evidence < Shape * Math.Log((Shape + 0.5) / (Shape + 0.2))); // less than against the usual rate itself
    }

    [Fact]
    public void Traffic_ACounterThatWentBack_IsAMinuteOfNoRequests_NotANegativeCount()
    {
        var rule = Drop();
        var test = new SequentialTest(rule);
        for (var m = 0; m < (14 * Day) + 60; m++)
        {
            test.Add(Tally(m, 100));
        }

        test.Add(new MinuteTally(StartMinute + (14 * Day) + 60, -500, 1, 0));

        Assert.Equal(7, test.Evidence); // one minute of no requests (capped at half of what fires), not of -500
        Assert.InRange(test.UsualRate(StartMinute + (15 * Day) + 60)!.Value, 98, 100); // the hour a day later leans on this one
    }

    [Theory]
    [InlineData(Aggregation.RatePerMinute, 60)]
    [InlineData(Aggregation.RatePerSecond, 1)]
    [InlineData(Aggregation.Count, 300)] // over the 5-minute window
    public void Judge_TheThresholdShownIsTheUsualValue_InTheRulesUnit(Aggregation aggregation, double usual)
    {
        var rule = Drop() with { Aggregation = aggregation };
        var test = new SequentialTest(rule);
        for (var m = 0; m <= 7 * Day; m++)
        {
            test.Add(Tally(m, 60));
        }

        var outcome = test.Judge(rule, LabelSet.Empty, (usual, 300));

        Assert.Equal((ConditionState.NotMet, usual, usual), (outcome.State, outcome.Value!.Value, outcome.Threshold!.Value));
    }

    [Fact]
    public void Surge_IntoAnHourThatIsUsuallyIdle_Fires_ATrickleDoesNot()
    {
        var rule = Drop() with { Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var trickle = (14 * Day) + (2 * 60);
        var flood = (14 * Day) + (3 * 60);
        int? trickleFired = null, fired = null;
        var random = new Random(2);
        for (var m = 0; m < flood + 10; m++)
        {
            var requests = m >= flood ? 10_000 : m >= trickle ? (m % 4 == 0 ? 1 : 0) : Poisson(random, DailyRate(m, 0, 100)); // 0 at 03:00
            test.Add(Tally(m, requests));
            if (test.Judge(rule, LabelSet.Empty, (0, 0)).State == ConditionState.Met)
            {
                (m < flood ? ref trickleFired : ref fired) ??= m;
            }
        }

        Assert.Null(trickleFired);
        Assert.Equal(flood + 1, fired); // its second minute: one minute alone never fires
    }

    [Theory]
    [InlineData(4, 5)] // Friday and Saturday
    [InlineData(6, 0)] // Sunday and Monday (a weekend in UTC days of a service far east)
    [InlineData(-1, -1)] // none: as busy every day
    public void DaysAlike_AreLearntFromTheHistory_SoNoWeekendIsJudgedAgainstWeekdays(int first, int second)
    {
        var drop = Drop();
        var surge = Drop() with { Comparison = Comparison.GreaterThan };
        var (drops, surges) = (new SequentialTest(drop), new SequentialTest(surge));
        var random = new Random(first + 10);
        var met = 0;
        for (var m = 0; m < 22 * Day; m++)
        {
            var weekday = m / Day % 7; // 0 = Monday
            var quiet = weekday == first || weekday == second;
            var tally = Tally(m, Poisson(random, DailyRate(m, 5, 60) * (quiet ? 0.35 : 1)));
            drops.Add(tally);
            surges.Add(tally);
            met += drops.Judge(drop, LabelSet.Empty, (0, 0)).State == ConditionState.Met ? 1 : 0;
            met += surges.Judge(surge, LabelSet.Empty, (0, 0)).State == ConditionState.Met ? 1 : 0;
        }

        Assert.Equal(0, met);
    }

    [Fact]
    public void Backtest_StoppedStream_FiresInItsSecondMinuteAndResolvesOnceTrafficIsBack()
    {
        var rule = Drop();
        var random = new Random(1);
        var incident = (14 * Day) + (10 * 60);
        var series = History(incident + 60, m => m >= incident && m < incident + 15 ? 0 : Poisson(random, DailyRate(m, 30, 80)));
        var from = Start.AddMinutes(14 * Day);

        var events = RuleBacktest.Replay(rule, [series], from, from.AddHours(11), TimeSpan.FromMinutes(1));

        var fired = events.Single(e => e.To == AlertStatus.Firing);
        Assert.Equal(Start.AddMinutes(incident + 2), fired.At); // minute incident + 1 ends, then weighed
        Assert.InRange(events.Single(e => e.To == AlertStatus.Resolved).At, Start.AddMinutes(incident + 16), Start.AddMinutes(incident + 20));
    }

    [Fact]
    public void Live_AfterAWarmUpFromRollups_FiresInTheMinuteTheBacktestDoes_OnceTheMinuteHasSettled()
    {
        var rule = Drop();
        var random = new Random(9);
        var incident = (14 * Day) + (10 * 60);
        var counts = Enumerable.Range(0, incident + 30).Select(m => m >= incident ? 0 : Poisson(random, DailyRate(m, 30, 80))).ToArray();
        var series = History(counts.Length, m => counts[m]);
        var (liveFired, backtestFired) = FirstFirings(rule, counts, series, incident);

        Assert.Equal(backtestFired.AddMilliseconds(SequentialTest.SettleMs), liveFired);
    }

    [Fact]
    public void Live_PassesFurtherApartThanTheWindow_StillWeighEveryMinute()
    {
        var rule = Drop() with { WindowMinutes = 2 };
        var random = new Random(4);
        var incident = (14 * Day) + (10 * 60);
        var counts = Enumerable.Range(0, incident + 30).Select(m => m >= incident ? 0 : Poisson(random, 60)).ToArray();
        var series = History(counts.Length, m => counts[m]);
        var warmedTo = Start.AddMinutes(incident - 30);
        var (store, memory) = WarmedUp(rule, counts, series, warmedTo);
        var evaluator = new RuleEvaluator();
        var weighed = new List<long>();
        DateTimeOffset? fired = null;
        for (var at = warmedTo.AddSeconds(5); at < Start.AddMinutes(counts.Length); at = at.AddMinutes(4))
        {
            if (evaluator.Evaluate(rule, store, at.ToUnixTimeMilliseconds(), memory).Single().State == ConditionState.Met)
            {
                fired ??= at;
            }

            weighed.Add(memory.LastWeighedMinute(LabelSet.Empty));
        }

        // Every pass weighs up to the last settled minute, though four minutes passed and the window holds two.
        Assert.All(weighed.Skip(1).Zip(weighed.Skip(2)), pair => Assert.Equal(4, pair.Second - pair.First));
        Assert.NotNull(fired);
        Assert.InRange(fired.Value, Start.AddMinutes(incident + 1), Start.AddMinutes(incident + 7)); // the first or second pass after
    }

    [Fact]
    public void Restart_TheEvidenceOfMinutesBeforeAGap_StartsAgain_AndOneEmptyMinuteOfABusyServiceDoesNotFire()
    {
        var rule = Drop();
        var test = new SequentialTest(rule);
        var stop = (14 * Day) + (10 * 60);
        for (var m = 0; m <= stop; m++)
        {
            test.Add(Tally(m, m == stop ? 50 : 1_000)); // the last minute before a stop: its first seconds only
        }

        var before = test.Evidence;
        test.Add(Tally(stop + 5, 0)); // back five minutes later: its first minute flushed late, say
        var afterGap = test.Judge(rule, LabelSet.Empty, (0, 0));

        Assert.Equal(7, before); // capped at half of what fires: one minute alone never does
        Assert.Equal(7, test.Evidence); // not 14: the evidence before the gap is gone
        Assert.Equal(ConditionState.NotMet, afterGap.State);
    }

    [Fact]
    public void Latency_ASlowerMedianFiresWithinMinutes_WhileOneMinuteSpikes_TwoBackToBack_TheDailyCycleAndADriftNeverDo()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(21);
        var spikes = new[] { (14 * Day) + (8 * 60), (15 * Day) + (2 * 60), (15 * Day) + (2 * 60) + 1, (16 * Day) + (9 * 60) + 30 };
        var incident = (16 * Day) + (14 * 60);

        int? early = null, fired = null, resolved = null;
        var learning = 0;
        for (var m = 0; m < incident + 60; m++)
        {
            var factor = spikes.Contains(m) ? 5 : m >= incident && m < incident + 30 ? 1.5 : 1;
            test.Add(Slow(random, m, Poisson(random, 40), UsualMedian(m) * factor));
            var outcome = test.Judge(rule, LabelSet.Empty, (null, 0));
            learning += outcome.State == ConditionState.NotEnoughData && m >= 7 * Day ? 1 : 0;
            if (outcome.State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
            else if (fired is not null && outcome.Recovered)
            {
                resolved ??= m;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value - incident, 1, 6);
        Assert.InRange(resolved!.Value - incident, 30, 40); // the evidence is capped at twice what fires: it clears within minutes of the end
        Assert.InRange(learning, 18 * 60, (18 * 60) + 1); // judged a week and eighteen hours in: six hours each for the level against last week, the spread around it and the usual distance
    }

    [Fact]
    public void Latency_AQuietServicesSlowerMedian_FiresWhenItsRequestsShowIt()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(8);
        var incident = (15 * Day) + (11 * 60);
        int? early = null, fired = null;
        for (var m = 0; m < incident + 30; m++)
        {
            test.Add(Slow(random, m, Poisson(random, 5), UsualMedian(m) * (m >= incident ? 1.8 : 1)));
            if (test.Judge(rule, LabelSet.Empty, (null, 0)).State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value - incident, 2, 20);
    }

    [Fact]
    public void Latency_TheThresholdShownIsTheUsualMedian_AndAMinuteWithoutRequestsWeighsNothing()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(4);
        for (var m = 0; m < (8 * Day) + 30; m++)
        {
            test.Add(Slow(random, m, 40, m == (8 * Day) + 29 ? 400 : 200)); // the last minute slower: some evidence
        }

        var evidence = test.Evidence;
        test.Add(Slow(random, (8 * Day) + 30, 0, 200));
        var outcome = test.Judge(rule, LabelSet.Empty, (null, 0));

        Assert.InRange(evidence, 1, 14.0 / 3); // some, capped at a third of what fires (a minute of durations)
        Assert.Equal(evidence, test.Evidence);
        Assert.Equal(ConditionState.NotMet, outcome.State);
        Assert.Null(outcome.Value);
        Assert.Equal(200, outcome.Threshold!.Value, 200 * 0.03); // within the bins' 1 % and the hours' noise
        Assert.Matches(@"a median of none \(no requests\) over the last 5 minutes, usually (19|20)\d", outcome.Reason);
    }

    [Fact]
    public void Latency_ASkewedServiceThatNeverChanges_NeverFires_FromItsFirstJudgedMinute()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(12);
        var judged = 0;
        for (var m = 0; m < 10 * Day; m++)
        {
            var values = Enumerable.Range(0, 50).Select(_ => (random.NextDouble() < 0.6 ? 10 : 100) * Math.Exp(0.05 * Normal(random))).ToArray();
            test.Add(new MinuteTally(StartMinute + m, 50, 50, 0, Merged(Bins(values))));
            var state = test.Judge(rule, LabelSet.Empty, (null, 0)).State;
            Assert.NotEqual(ConditionState.Met, state); // 60 % at 10 ms and 40 % at 100: a median near one mode, the distances lopsided
            judged += state == ConditionState.NotMet ? 1 : 0;
        }

        Assert.InRange(judged, 2 * Day, 3 * Day);
    }

    [Fact]
    public void Latency_BothPastWeeksCount_SoAnIncidentInLastWeeksHourMovesTheUsualMedianHalfway()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(13);
        var lastWeeks = (14 * Day) + (10 * 60);
        for (var m = 0; m <= 21 * Day; m++)
        {
            var slow = m >= lastWeeks && m < lastWeeks + 60; // the same hour a week before, at three times
            test.Add(Slow(random, m, 40, slow ? 300 : 100));
        }

        var usual = new List<double>();
        for (var m = (21 * Day) + 1; m < (21 * Day) + (11 * 60); m++)
        {
            test.Add(Slow(random, m, 40, 100));
            if (m >= (21 * Day) + (10 * 60) + 25 && m < (21 * Day) + (10 * 60) + 35)
            {
                usual.Add(test.Judge(rule, LabelSet.Empty, (null, 0)).Threshold!.Value);
            }
        }

        // The hour's usual median over the weeks: 100 two weeks before and 300 the week before, their
        // mean in logarithms (173); with the older week left out it would be 300.
        Assert.All(usual, u => Assert.InRange(u, 150, 200));
    }

    [Fact]
    public void Latency_AServiceWhoseRequestsAllTakeAsLong_StillHasASpread_SoAStepFiresAndNothingIsNaN()
    {
        var rule = Latency();
        var test = new SequentialTest(rule);
        var incident = (8 * Day) + (12 * 60);
        int? early = null, fired = null;
        for (var m = 0; m < incident + 10; m++)
        {
            var bins = Bins(Enumerable.Repeat(m >= incident ? 15.0 : 10.0, 30));
            test.Add(new MinuteTally(StartMinute + m, 30, 30, 0, Merged(bins)));
            Assert.False(double.IsNaN(test.Evidence));
            if (test.Judge(rule, LabelSet.Empty, (null, 0)).State == ConditionState.Met)
            {
                (m < incident ? ref early : ref fired) ??= m;
            }
        }

        Assert.Null(early);
        Assert.Equal(incident + 2, fired); // its third minute: a minute of durations adds at most a third of what fires
    }

    [Theory]
    [InlineData(0.001)]
    [InlineData(1)]
    [InlineData(87.5)]
    [InlineData(12_345_678)]
    public void LogValue_IsTheLogarithmOfTheBinsValue(double value)
    {
        var code = SketchMapping.Code(value);

        Assert.Equal(Math.Log(SketchMapping.CodeValue(code)), SequentialTest.LogValue(code), 9);
        Assert.Equal(Math.Log(SketchMapping.MinIndexableValue), SequentialTest.LogValue(SketchMapping.Code(0)), 9);
    }

    [Fact]
    public void Live_Latency_FiresInTheMinuteTheBacktestDoes_OnceTheMinuteHasSettled()
    {
        var rule = Latency();
        var incident = (14 * Day) + (10 * 60);
        var counts = Enumerable.Repeat(20, incident + 30).ToArray();
        double Value(int m, int i) => (m >= incident ? 2 : 1) * 100 * (0.75 + (0.5 * (i % 5) / 4)); // 75 to 125 ms, the median 100
        var series = History(counts.Length, m => counts[m], value: Value);
        var (liveFired, backtestFired) = FirstFirings(rule, counts, series, incident, Value);

        Assert.InRange(backtestFired, Start.AddMinutes(incident + 2), Start.AddMinutes(incident + 3)); // every request slower: two minutes, as a minute adds at most half
        Assert.Equal(backtestFired.AddMilliseconds(SequentialTest.SettleMs), liveFired);
    }

    [Fact]
    public void Live_Latency_SeveralRoutes_FiresInTheMinuteTheBacktestDoes_EachRouteWeighedAsItsOwn()
    {
        var rule = Latency();
        var incident = (14 * Day) + (10 * 60);
        var counts = Enumerable.Repeat(20, incident + 30).ToArray();
        LabelSet Route(int m, int i) => RouteLabels[i % 4 == 0 ? 2 : 1]; // a fifth of the requests on the slow route
        double Value(int m, int i) => (m >= incident ? 1.5 : 1) * (i % 4 == 0 ? 250 : 100) * (0.75 + (0.5 * (i / 4 % 5) / 4));
        var series = new[] { 1, 2 }.Select(r => History(counts.Length, m => Enumerable.Range(0, counts[m]).Count(i => Route(m, i) == RouteLabels[r]), RouteLabels[r], (m, k) => Value(m, r == 2 ? 4 * k : (4 * (k / 3)) + (k % 3) + 1))).ToArray();
        var (liveFired, backtestFired) = FirstFirings(rule, counts, series, incident, Value, Route);

        Assert.InRange(backtestFired, Start.AddMinutes(incident + 2), Start.AddMinutes(incident + 4));
        Assert.Equal(backtestFired.AddMilliseconds(SequentialTest.SettleMs), liveFired);
    }

    [Fact]
    public void Latency_RoutesOfDifferentSpeeds_ASlowerMedianFiresSooner_WhenEachRequestIsWeighedAgainstItsRoute()
    {
        // Routes at 0.6, 1 and 2.2 times the usual median, a fifth, seven tenths and a tenth of 8 requests a minute.
        var (byRoute, merged) = (new List<int>(), new List<int>());
        foreach (var seed in new[] { 1, 2, 3, 4, 5, 6 })
        {
            byRoute.Add(RoutedIncident(seed, parts: true, UsualShares, incidentFactor: 1.5, incidentShares: UsualShares).Fired!.Value);
            merged.Add(RoutedIncident(seed, parts: false, UsualShares, incidentFactor: 1.5, incidentShares: UsualShares).Fired!.Value);
        }

        Assert.All(byRoute, delay => Assert.InRange(delay, 2, 15));
        Assert.True(byRoute.Sum() < merged.Sum() * 0.85, $"each route its own: {string.Join(", ", byRoute)} minutes; the routes merged: {string.Join(", ", merged)}");
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Latency_TwoHoursWhenTheSlowRouteIsAskedForFiveTimesAsOften_AreNoSlowdown_WhenEachRequestIsWeighedAgainstItsRoute(int seed)
    {
        double[] slowRouteBusy = [0.1, 0.4, 0.5];

        var byRoute = RoutedIncident(seed, parts: true, UsualShares, incidentFactor: 1, incidentShares: slowRouteBusy, minutes: 120);
        var merged = RoutedIncident(seed, parts: false, UsualShares, incidentFactor: 1, incidentShares: slowRouteBusy, minutes: 120);

        Assert.Null(byRoute.Early);
        Assert.Null(byRoute.Fired); // every route as fast as usual: what was asked for changed, not how fast it was answered
        Assert.NotNull(merged.Fired); // the service's median rose: the routes merged take it for a slowdown
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Latency_ASlowdownThatArrivesAsANewSeries_TimeoutsFourTimesSlower_FiresWithinMinutes(int seed)
    {
        // Two routes at 30 requests a minute; then four requests in ten become a series never seen before (status 504) at four times.
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(seed);
        var timeouts = LabelSet.From(new Dictionary<string, string> { ["route"] = "/usual", ["status"] = "504" });
        var incident = (15 * Day) + (11 * 60);
        int? early = null, fired = null;
        for (var m = 0; m < incident + 30; m++)
        {
            var values = new List<double>[3];
            for (var i = Poisson(random, 30); i > 0; i--)
            {
                var (r, factor) = m >= incident && random.NextDouble() < 0.4 ? (2, 4.0) : random.NextDouble() < 0.8 ? (1, 1.0) : (0, 0.6);
                (values[r] ??= []).Add(UsualMedian(m) * factor * Math.Exp(0.4 * Normal(random)));
            }

            MinutePart[] parts = [.. Enumerable.Range(0, 3).Where(r => values[r] is not null).Select(r => new MinutePart(r == 2 ? timeouts : RouteLabels[r], Bins(values[r])))];
            var requests = values.Sum(v => v?.Count ?? 0);
            test.Add(new MinuteTally(StartMinute + m, requests, requests, 0, Parts: parts));
            if (test.Judge(rule, LabelSet.Empty, (null, 0)).State == ConditionState.Met)
            {
                (m >= incident ? ref fired : ref early) ??= m - incident;
            }
        }

        Assert.Null(early);
        Assert.InRange(fired!.Value, 2, 6); // the new series' level is taken near the group's for its first minutes: the slowdown shows
    }

    [Fact]
    public void Latency_TheThresholdShown_IsTheUsualMedianOfTheDurationsAsSent_NotAsMovedByTheirSeries()
    {
        // Six requests in ten at 20 ms and four at 400 ms: their median is near 29 ms; moved to one level, near 66.
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(9);
        var lastDay = new List<double>();
        GroupEvaluation? outcome = null;
        for (var m = 0; m < 9 * Day; m++)
        {
            var fast = Enumerable.Range(0, 30).Select(_ => 20 * Math.Exp(0.3 * Normal(random))).ToArray();
            var slow = Enumerable.Range(0, 20).Select(_ => 400 * Math.Exp(0.3 * Normal(random))).ToArray();
            test.Add(new MinuteTally(StartMinute + m, 50, 50, 0, Parts: new[] { new MinutePart(RouteLabels[0], Bins(fast)), new MinutePart(RouteLabels[2], Bins(slow)) }));
            if (m >= 8 * Day)
            {
                lastDay.AddRange(fast.Concat(slow));
            }

            outcome = test.Judge(rule, LabelSet.Empty, (null, 0));
        }

        lastDay.Sort();
        Assert.Equal(ConditionState.NotMet, outcome!.State);
        Assert.Equal(lastDay[lastDay.Count / 2], outcome.Threshold!.Value, lastDay[lastDay.Count / 2] * 0.05);
    }

    [Fact]
    public void Latency_TheThresholdShown_ForAJobEveryFiveMinutes_IsTheUsualMinutesMedianAsSent()
    {
        // 30 requests a minute at 20 ms, and a job every five minutes of 200 at 400 ms: a minute's median as sent
        // is near 400 ms one minute in five and near 20 the others, so the usual minute's is near 400^0.2 × 20^0.8
        // (36 ms). How far the medians as sent run from the moved ones is measured on a sample of the minutes,
        // which must not be the job's minutes (nor never them).
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(11);
        var lastDayLogMedians = new List<double>();
        GroupEvaluation? outcome = null;
        for (var m = 0; m < 9 * Day; m++)
        {
            var fast = Enumerable.Range(0, 30).Select(_ => 20 * Math.Exp(0.3 * Normal(random))).ToArray();
            MinutePart[] parts = m % 5 == 0
                ? [new MinutePart(RouteLabels[0], Bins(fast)), new MinutePart(RouteLabels[2], Bins(Enumerable.Range(0, 200).Select(_ => 400 * Math.Exp(0.3 * Normal(random)))))]
                : [new MinutePart(RouteLabels[0], Bins(fast))];
            var requests = parts.Sum(p => p.Bins.Sum(b => SketchMapping.PackedCount(b)));
            test.Add(new MinuteTally(StartMinute + m, requests, requests, 0, parts));
            if (m >= 8 * Day)
            {
                var all = parts.SelectMany(p => p.Bins).SelectMany(b => Enumerable.Repeat(SketchMapping.CodeValue(SketchMapping.PackedCode(b)), (int)SketchMapping.PackedCount(b))).Order().ToArray();
                lastDayLogMedians.Add(Math.Log(all.Length % 2 == 1 ? all[all.Length / 2] : Math.Sqrt(all[(all.Length / 2) - 1] * all[all.Length / 2])));
            }

            outcome = test.Judge(rule, LabelSet.Empty, (null, 0));
        }

        var usual = Math.Exp(lastDayLogMedians.Average());
        Assert.Equal(ConditionState.NotMet, outcome!.State);
        Assert.Equal(usual, outcome.Threshold!.Value, usual * 0.1);
    }

    [Theory]
    [InlineData(Aggregation.RatePerMinute)]
    [InlineData(Aggregation.P50)]
    public void ApproximateBytes_AFreshTest_IsWithinFivePercentOfWhatItsConstructionAllocates(Aggregation aggregation)
    {
        var rule = Drop() with { Aggregation = aggregation, Comparison = aggregation == Aggregation.P50 ? Comparison.GreaterThan : Comparison.LessThan };
        _ = new SequentialTest(rule); // the type's statics and code first
        var before = GC.GetAllocatedBytesForCurrentThread();
        var test = new SequentialTest(rule);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(test.ApproximateBytes, 0.95 * allocated, 1.05 * allocated); // 17 680 of 17 840 and 38 024 of 38 336 bytes when written: an hour's array left out would be 16 %
    }

    private static readonly double[] UsualShares = [0.2, 0.7, 0.1];

    private static readonly LabelSet[] RouteLabels =
        [.. new[] { "/fast", "/usual", "/slow" }.Select(r => LabelSet.From(new Dictionary<string, string> { ["route"] = r }))];

    /// <summary>
    /// A service of three routes (0.6, 1 and 2.2 times its usual median, drawn by <paramref name="shares"/>) at 8
    /// requests a minute, each log-normal (σ 0.4) around its route's median, for 15 days and 11 hours; then for
    /// <paramref name="minutes"/> every request <paramref name="incidentFactor"/> times slower, drawn by
    /// <paramref name="incidentShares"/>. Each minute goes to the test series by series (<paramref name="parts"/>) or
    /// merged. When it fired (minutes after the change's start) and whether it fired before.
    /// </summary>
    private static (int? Early, int? Fired) RoutedIncident(int seed, bool parts, double[] shares, double incidentFactor, double[] incidentShares, int minutes = 30)
    {
        double[] factors = [0.6, 1, 2.2];
        var rule = Latency();
        var test = new SequentialTest(rule);
        var random = new Random(seed);
        var incident = (15 * Day) + (11 * 60);
        int? early = null, fired = null;
        for (var m = 0; m < incident + minutes; m++)
        {
            var during = m >= incident;
            var (draw, factor) = during ? (incidentShares, incidentFactor) : (shares, 1.0);
            var values = new List<double>[3];
            var requests = Poisson(random, 8);
            for (var i = 0; i < requests; i++)
            {
                var (u, r) = (random.NextDouble(), 0);
                while (r < 2 && u >= draw[r])
                {
                    u -= draw[r++];
                }

                (values[r] ??= []).Add(UsualMedian(m) * factors[r] * factor * Math.Exp(0.4 * Normal(random)));
            }

            MinutePart[] minuteParts = [.. Enumerable.Range(0, 3).Where(r => values[r] is not null).Select(r => new MinutePart(RouteLabels[r], Bins(values[r])))];
            var all = values.Where(v => v is not null).SelectMany(v => v).ToArray();
            test.Add(new MinuteTally(StartMinute + m, requests, requests, 0, parts ? minuteParts : Merged(Bins(all))));
            if (test.Judge(rule, LabelSet.Empty, (null, 0)).State == ConditionState.Met)
            {
                (during ? ref fired : ref early) ??= m - incident;
            }
        }

        return (early, fired);
    }

    /// <summary>
    /// When the live engine, warmed up 30 minutes before <paramref name="incident"/> and evaluating
    /// every 5 seconds, first finds the condition met, and when the backtest of the same minutes
    /// first goes pending.
    /// </summary>
    private static (DateTimeOffset? Live, DateTimeOffset Backtest) FirstFirings(AlertRule rule, int[] counts, SeriesHistory series, int incident, Func<int, int, double>? value = null) =>
        FirstFirings(rule, counts, [series], incident, value);

    /// <summary>As above, for a group of several series: <paramref name="labels"/> says whose each point is (by minute and index in it).</summary>
    private static (DateTimeOffset? Live, DateTimeOffset Backtest) FirstFirings(AlertRule rule, int[] counts, SeriesHistory[] series, int incident, Func<int, int, double>? value = null, Func<int, int, LabelSet>? labels = null)
    {
        var warmedTo = Start.AddMinutes(incident - 30);
        var (store, memory) = WarmedUp(rule, counts, series, warmedTo, value, labels);
        var evaluator = new RuleEvaluator();
        DateTimeOffset? liveFired = null;
        for (var at = warmedTo; at < Start.AddMinutes(counts.Length) && liveFired is null; at = at.AddSeconds(5))
        {
            if (evaluator.Evaluate(rule, store, at.ToUnixTimeMilliseconds(), memory).Single().State == ConditionState.Met)
            {
                liveFired = at;
            }
        }

        var backtest = RuleBacktest.Replay(rule, series, Start.AddMinutes(incident - 30), Start.AddMinutes(counts.Length), TimeSpan.FromMinutes(1));
        return (liveFired, backtest.First(e => e.To == AlertStatus.Pending).At);
    }

    /// <summary>
    /// A live store holding the points of the 10 minutes before <paramref name="warmedTo"/> and of
    /// every minute after, and the rule's memory warmed up from the rollups before it, as the engine
    /// warms one at start.
    /// </summary>
    private static (MetricStore Store, RuleMemory Memory) WarmedUp(AlertRule rule, int[] counts, SeriesHistory series, DateTimeOffset warmedTo, Func<int, int, double>? value = null) =>
        WarmedUp(rule, counts, [series], warmedTo, value);

    private static (MetricStore Store, RuleMemory Memory) WarmedUp(AlertRule rule, int[] counts, SeriesHistory[] series, DateTimeOffset warmedTo, Func<int, int, double>? value = null, Func<int, int, LabelSet>? labels = null)
    {
        var store = new MetricStore(new MetricsOptions(), new FakeTimeProvider(warmedTo));
        for (var m = (int)(warmedTo - Start).TotalMinutes - 10; m < counts.Length; m++)
        {
            var ts = Start.AddMinutes(m).ToUnixTimeMilliseconds();
            Assert.True(store.Ingest([.. Enumerable.Range(0, counts[m]).Select(i => new MetricPoint(rule.Metric, MetricType.Timing, value?.Invoke(m, i) ?? 10, labels?.Invoke(m, i) ?? LabelSet.Empty, ts + (i * 100)))]).IsAccepted);
        }

        var memory = new RuleMemory(rule);
        var toMs = warmedTo.ToUnixTimeMilliseconds();
        new RuleReplay(rule, memory, toMs - (long)RuleMemory.WarmUp(rule).TotalMilliseconds, toMs, TimeSpan.FromMinutes(1))
            .Advance([.. series.Select(s => s with { Rollups = [.. s.Rollups.Where(r => r.MinuteStartMs < toMs)] })], toMs);
        return (store, memory);
    }

    /// <summary>
    /// A quiet service's errors at 0.5 %, then <paramref name="rate"/> for <paramref name="minutes"/>: when
    /// the error rule first fired (minutes after the start) and first recovered after that (minutes after the end).
    /// </summary>
    private static (int? Fired, int? Recovered, int Firings) ErrorEpisode(Random random, double requests, double rate, int minutes, int after)
    {
        var rule = Drop() with { Aggregation = Aggregation.ErrorRatePercent, Comparison = Comparison.GreaterThan };
        var test = new SequentialTest(rule);
        var incident = (14 * Day) + (18 * 60);
        int? fired = null, recovered = null;
        var (firings, open) = (0, false);
        for (var m = 0; m < incident + minutes + after; m++)
        {
            var count = Poisson(random, requests);
            var errors = Binomial(random, count, m >= incident && m < incident + minutes ? rate : 0.005);
            test.Add(new MinuteTally(StartMinute + m, count, count, errors));
            var outcome = test.Judge(rule, LabelSet.Empty, (100.0 * errors / Math.Max(1, count), count));
            firings += !open && outcome.State == ConditionState.Met && m >= incident ? 1 : 0;
            open = outcome.State == ConditionState.Met || (open && !outcome.Recovered);
            if (m >= incident && outcome.State == ConditionState.Met)
            {
                fired ??= m - incident;
            }
            else if (fired is not null && outcome.Recovered)
            {
                recovered ??= m - (incident + minutes);
            }
        }

        return (fired, recovered, firings);
    }

    private static int Binomial(Random random, int count, double rate) =>
        count > 1000 ? Math.Max(0, (int)Math.Round((count * rate) + (Math.Sqrt(count * rate * (1 - rate)) * Normal(random)))) : Enumerable.Range(0, count).Count(_ => random.NextDouble() < rate);

    private static AlertRule Drop() => new()
    {
        Id = "traffic",
        Name = "Traffic",
        Metric = "http_request_duration_ms",
        Aggregation = Aggregation.RatePerMinute,
        WindowMinutes = 5,
        ThresholdType = ThresholdType.Anomaly,
        AnomalyMethod = AnomalyMethod.Sequential,
        BaselineDays = 14,
        Comparison = Comparison.LessThan,
        CooldownMinutes = 0,
    };

    private static MinuteTally Tally(int minute, int requests) => new(StartMinute + minute, requests, requests, 0);

    private static AlertRule Latency() => Drop() with { Aggregation = Aggregation.P50, Comparison = Comparison.GreaterThan };

    /// <summary>A minute of requests whose durations are log-normal around <paramref name="median"/> (σ 0.4 of the logarithm).</summary>
    private static MinuteTally Slow(Random random, int minute, int requests, double median)
    {
        var values = Enumerable.Range(0, requests).Select(_ => median * Math.Exp(0.4 * Normal(random))).ToArray();
        return new MinuteTally(StartMinute + minute, requests, requests, 0, Merged(Bins(values)));
    }

    /// <summary>A usual median with a daily cycle (100 ms at 03:00, 115 at 15:00) that drifts 1 % a day.</summary>
    private static double UsualMedian(int minute) => DailyRate(minute, 100, 115) * (1 + (0.01 * minute / Day));

    private static uint[] Bins(IEnumerable<double> values) =>
        [.. values.GroupBy(SketchMapping.Code).OrderBy(g => g.Key).Select(g => SketchMapping.Pack(g.Key, (uint)g.Count()))];

    /// <summary>A minute's timing points as one series (the group's series not told apart); none without points.</summary>
    private static MinutePart[] Merged(uint[] bins) => bins.Length == 0 ? [] : [new MinutePart(LabelSet.Empty, bins)];

    /// <summary>A gamma variate of mean 1 and shape <paramref name="shape"/> ≥ 1 (Marsaglia and Tsang).</summary>
    private static double Gamma(Random random, double shape)
    {
        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            var x = Normal(random);
            var v = Math.Pow(1 + (c * x), 3);
            if (v > 0 && Math.Log(1 - random.NextDouble()) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v / shape;
            }
        }
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A daily cycle between <paramref name="low"/> at 03:00 and <paramref name="high"/> at 15:00 requests a minute.</summary>
    private static double DailyRate(int minute, double low, double high) =>
        low + ((high - low) * (1 - Math.Cos(2 * Math.PI * ((minute % Day) - 180) / Day)) / 2);

    private static int Poisson(Random random, double rate)
    {
        if (rate > 30)
        {
            var u = 1 - random.NextDouble();
            var normal = Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(rate + (Math.Sqrt(rate) * normal)));
        }

        var limit = Math.Exp(-rate);
        var count = 0;
        for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
        {
            count++;
        }

        return count;
    }

    /// <summary>One rollup for each minute with requests (a minute without any has none, as stored).</summary>
    private static SeriesHistory History(int minutes, Func<int, int> count, string? service = null, Func<int, int, double>? value = null) =>
        History(minutes, count, service is null ? LabelSet.Empty : LabelSet.From(new Dictionary<string, string> { ["service"] = service }), value);

    /// <summary>One series' rollups: <paramref name="count"/> points a minute, <paramref name="value"/> each (10 without), under <paramref name="labels"/>.</summary>
    private static SeriesHistory History(int minutes, Func<int, int> count, LabelSet labels, Func<int, int, double>? value = null)
    {
        var rollups = new List<Rollup>();
        for (var m = 0; m < minutes; m++)
        {
            var n = count(m);
            if (n > 0 && value is null)
            {
                rollups.Add(new Rollup(Start.AddMinutes(m).ToUnixTimeMilliseconds(), n, 10.0 * n, 10, 10, 10, 59_000, null));
            }
            else if (n > 0)
            {
                var values = Enumerable.Range(0, n).Select(i => value!(m, i)).ToArray();
                rollups.Add(new Rollup(Start.AddMinutes(m).ToUnixTimeMilliseconds(), n, values.Sum(), values.Min(), values.Max(), values[^1], 59_000, Bins(values)));
            }
        }

        return new SeriesHistory(labels, IsError: false, IsCounter: false, rollups);
    }
}
