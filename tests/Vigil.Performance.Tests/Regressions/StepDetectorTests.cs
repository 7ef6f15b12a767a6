using Vigil.Core.Metrics;
using Vigil.Performance.Regressions;

namespace Vigil.Performance.Tests.Regressions;

/// <summary>
/// Issue 13, item 3: the step test on synthetic operations (log-normal durations, Poisson
/// arrivals, seeded), judged minute by minute the way the live detector runs: steps of +10 %,
/// +25 % and +100 % found with their start, improvements found as such, and one-minute spikes,
/// slow drifts and plain noise never reported.
/// </summary>
public sealed class StepDetectorTests
{
    private const long MinuteMs = 60_000;
    private const double ChangePercent = 10;
    private const double MinConfidence = 0.999999;

    [Theory]
    [InlineData(100, 0.4, 1)]
    [InlineData(100, 0.4, 2)]
    [InlineData(20, 0.5, 3)]
    [InlineData(3, 0.5, 4)]
    public void Noise_SixHoursJudgedEveryMinute_NothingFound(double rate, double sigma, int seed)
    {
        var log = Generate(minutes: 360, rate, sigma, seed, median: _ => 100);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Theory]
    [InlineData(20, 30)]
    [InlineData(100, 31)]
    [InlineData(300, 32)]
    public void Noise_HeavyTail_OneInAHundredFarSlower_NothingFound(double rate, int seed)
    {
        // A block's average moves with every slow execution in it: the rank test of averages must
        // not take a block that happened to get two of them for a step.
        var log = Generate(minutes: 360, rate, sigma: 0.45, seed, median: _ => 100, outliers: 0.01);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Fact]
    public void Step_HeavyTail_TwentyAMinute_TwentyFivePercent_StillFoundInEveryOneOfTwentyOperations()
    {
        // With one execution in a hundred 5-20 times slower the averages are too noisy to find the
        // step first; the median and p95 still find it, as they did before the average was tested.
        const int StepMinute = 200;
        var missed = new List<int>();
        for (var seed = 400; seed < 420; seed++)
        {
            var log = Generate(minutes: 260, rate: 20, sigma: 0.45, seed, median: m => m >= StepMinute ? 125 : 100, outliers: 0.01);
            if (FindingsFrom(log, fromMinute: 60, toMinute: 260).FirstOrDefault() is not ({ } minute, { Direction: 1 }) || minute < StepMinute)
            {
                missed.Add(seed);
            }
        }

        Assert.Empty(missed);
    }

    [Fact]
    public void Step_HeavyTail_BusyEndpoint_TwelvePercent_FoundByTheGeometricMean()
    {
        // One execution in a hundred 5-20 times slower makes the averages noisy and the median keeps
        // two thirds of the executions' evidence; their logarithms' mean keeps most of it.
        const int StepMinute = 200;
        var (found, byGeometricMean) = (0, 0);
        for (var seed = 500; seed < 520; seed++)
        {
            var log = Generate(minutes: 260, rate: 100, sigma: 0.45, seed, median: m => m >= StepMinute ? 112 : 100, outliers: 0.01);
            if (FindingsFrom(log, fromMinute: 60, toMinute: 260).FirstOrDefault() is ({ } minute, { Direction: 1 } finding) && minute >= StepMinute)
            {
                found++;
                byGeometricMean += finding.Measure == StepMeasure.GeometricMean ? 1 : 0;
            }
        }

        var summary = $"found {found} of 20, {byGeometricMean} by the geometric mean";
        Assert.True(found >= 19, summary);
        Assert.True(byGeometricMean >= 10, summary);
    }

    [Fact]
    public void Step_HeavyTail_BusyEndpoint_TenPercent_FoundSoonByTheTrimmedGeometricMean()
    {
        // One execution in a hundred 5-20 times slower moves a minute's mean logarithm by as much as
        // a tenth of its spread; the geometric mean of the middle 90 % leaves those out, so a 10 %
        // step is found by it, and sooner (untrimmed, on these twenty: after 8 minutes, median, 9 by it).
        const int StepMinute = 200;
        var (delays, byGeometricMean) = (new List<int>(), 0);
        for (var seed = 600; seed < 620; seed++)
        {
            var log = Generate(minutes: 260, rate: 100, sigma: 0.3, seed, median: m => m >= StepMinute ? 110 : 100, outliers: 0.01);
            if (FindingsFrom(log, fromMinute: 60, toMinute: 260).FirstOrDefault() is ({ } minute, { Direction: 1 } finding) && minute >= StepMinute)
            {
                delays.Add(minute - StepMinute);
                byGeometricMean += finding.Measure == StepMeasure.GeometricMean ? 1 : 0;
            }
        }

        delays.Sort();
        var summary = $"found {delays.Count} of 20 after {string.Join(", ", delays)} minutes, {byGeometricMean} by the geometric mean";
        Assert.True(delays.Count >= 19, summary);
        Assert.True(delays[delays.Count / 2] <= 7, summary);
        Assert.True(byGeometricMean >= 12, summary);
    }

    [Fact]
    public void LevelTail_FourMinutesFourSpreadsUp_OneAsUsual_PassesWhereTheirRanksCannot()
    {
        // Ninety one-minute blocks of noise (a spread of 2 %), then five: four of them four spreads
        // up, one as usual. Their ranks say only "four above nearly all"; the level test also counts
        // by how far, with the most extreme of the five left out and the one as usual winsorized.
        var random = new Random(46);
        var values = Enumerable.Range(0, 90).Select(_ => 100 * Math.Exp(0.02 * Gaussian(random))).ToList();
        values.AddRange([100 * Math.Exp(0.08), 100, 100 * Math.Exp(0.08), 100 * Math.Exp(0.081), 100 * Math.Exp(0.079)]);
        var before = values.Take(90).Order().ToArray();
        var after = values.Skip(90).Order().ToArray();

        var tests = 56; // a busy operation's Bonferroni count
        var byRanks = StepDetector.RankTail(5, 90, StepDetector.RankU(after, before));
        var byLevel = StepDetector.LevelTail([.. values], 5, direction: 1);

        Assert.True(tests * byRanks > 1e-6, $"ranks {byRanks:E2}");
        Assert.NotNull(byLevel);
        Assert.True(tests * byLevel < 1e-6, $"level {byLevel:E2}");
    }

    [Theory]
    [InlineData(100, 41)]
    [InlineData(300, 42)]
    [InlineData(300, 43)]
    public void Noise_BusyEndpoint_MinutesMovingTogether_NothingFound(double rate, int seed)
    {
        // Each minute's executions share a level of their own (σ 0.1: load), on the steepest six
        // hours of a daily cycle (+15 % at its peak): the level test's spread is the minutes', not
        // their executions'.
        var levels = new Random(seed);
        var level = Enumerable.Range(0, 360)
            .Select(m => 100 * (1 + (0.075 * (1 + Math.Sin(2 * Math.PI * (m - 180) / 1440)))) * Math.Exp(0.1 * Gaussian(levels)))
            .ToArray();
        var log = Generate(minutes: 360, rate, sigma: 0.4, seed, median: m => level[m]);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Fact]
    public void Spikes_BusyEndpoint_ASpikeAmongFiveMinutes_NotAFifthOfTheEvidence()
    {
        // The level since a short split leaves out its most extreme minute: a spike (8 times
        // slower) with three of the four minutes after it 3.5 spreads high and one as usual is not
        // yet a step (with the spike counted, winsorized, it would be: t ≈ 7).
        var log = Generate(minutes: 200, rate: 100, sigma: 0.55, seed: 44, median: _ => 100);
        var high = Math.Exp(3.5 * 0.55 / Math.Sqrt(100));
        foreach (var (minute, factor) in new[] { (195, 8.0), (196, high), (197, high), (199, high) })
        {
            var m = log.Get(At(minute));
            log.Set(At(minute), m with { Sum = (float)(m.Sum * factor), P50 = (float)(m.P50 * factor), P95 = (float)(m.P95 * factor), LogMean = (float)(m.LogMean + Math.Log(factor)) });
        }

        Assert.Empty(FindingsFrom(log, fromMinute: 190, toMinute: 200));
    }

    [Fact]
    public void Burst_BusyEndpoint_ThreeMinutesTwiceAsSlow_NotARegression()
    {
        // Three minutes twice as slow are dozens of spreads above the level before, which the level
        // test alone would call a step: while they last it is under five minutes old
        // (StepDetector.MinStepMinutes), and after them the last three minutes are back.
        var found = new List<string>();
        for (var seed = 45; seed < 55; seed++)
        {
            var log = Generate(minutes: 240, rate: 300, sigma: 0.3, seed, median: m => m is >= 200 and < 203 ? 200 : 100);
            found.AddRange(FindingsFrom(log, fromMinute: 190, toMinute: 240).Select(f => $"seed {seed}: minute {f.Minute}, {f.Finding}"));
        }

        Assert.Empty(found);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(300)]
    [InlineData(5)]
    public void Burst_TwoToFourMinutesTwoAndAHalfTimesSlower_NotARegressionWhileItLastsNorAsItEnds(double rate)
    {
        // While a burst lasts, the start found can take in a minute before it (four minutes of the
        // burst and one before look five minutes old); as it ends, a burst of four minutes and the
        // minute after it are five minutes, two of the last three still slow. Neither is a step: the
        // minute before the burst and the minute after it are far from a quarter of its change. (The
        // regressions report's burst corpus had half of such bursts found at 20 a minute and more
        // before this rule, 5 to 30 in 1 000 after it.) Later, a longer split can still hold the
        // burst with minutes a little above the level before by chance: one of these 18 was found so,
        // at 20 a minute, eight minutes after its start, before the second look without the blocks
        // far past the rest of the split; none may be now.
        var (during, after) = (new List<string>(), new List<string>());
        for (var seed = 60; seed < 66; seed++)
        {
            foreach (var length in new[] { 2, 3, 4 })
            {
                var log = Generate(minutes: 260, rate, sigma: 0.45, seed, median: m => m >= 200 && m < 200 + length ? 250 : 100);
                foreach (var (minute, finding) in FindingsFrom(log, fromMinute: 195, toMinute: 260))
                {
                    (minute <= 200 + length ? during : after).Add($"seed {seed}, {length} minutes: minute {minute}, {finding}");
                }
            }
        }

        Assert.Empty(during);
        Assert.True(after.Count == 0, string.Join("\n", after));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(300)]
    public void Burst_ThenALittleSlowerThanBefore_NotAStepOfTheBurstsSize(double rate)
    {
        // Three minutes 2.5 times slower, then 5 % slower than before (under the 10 % that counts):
        // a longer split holds the burst, whose blocks carry its test, and the median since the
        // start found, with three of the blocks far up, lands past 10 %. Without the blocks far past
        // the rest of the split, nothing is left to find. (Before that second look: 3 of these 20
        // operations found at 300 a minute, 7 at 100, 4 at 20.) At 20 a minute two may still be:
        // one whose minutes after the burst are by chance 18 % slower than before for ten minutes
        // (a step, on those minutes alone), and one by the 95th percentile, which is not looked at
        // twice (a slow tail's blocks are far apart by nature; a minute's 95th percentile is one of
        // its two slowest executions).
        var found = new List<string>();
        for (var seed = 60; seed < 80; seed++)
        {
            var log = Generate(minutes: 260, rate, sigma: 0.45, seed, median: m => m < 200 ? 100 : m < 203 ? 250 : 105);
            foreach (var (minute, finding) in FindingsFrom(log, fromMinute: 195, toMinute: 260))
            {
                found.Add($"seed {seed}: minute {minute}, {finding}");
            }
        }

        Assert.True(found.Count <= (rate == 20 ? 2 : 0), string.Join("\n", found));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(34)]
    [InlineData(35)]
    public void Burst_FourMinutesAfterAMinuteWithoutExecutions_NotASustainedStep(int seed)
    {
        // A minute without executions, then four minutes 2.5 times slower: five minutes since the
        // split, but the first of them is not there to judge, so the minute before it is (as usual:
        // not a step yet). A block left out counts as one of the last five minutes only between them
        // (counted in the first's place too, four of these five operations were found).
        var log = Generate(minutes: 204, rate: 100, sigma: 0.45, seed, median: m => m >= 200 ? 250 : 100);
        log.Set(At(199), new MinuteSummary(0, 0, 0, 0));

        var findings = StepDetector.Findings(log, At(203), ChangePercent, MinConfidence);

        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    [Fact]
    public void Burst_EndingWithAMinuteWhoseSlowestExecutionsAreSlow_NotAStepOfThe95thPercentile()
    {
        // Four minutes 3 times slower at 20 a minute, then a minute as before whose two slowest
        // executions are slow (its 95th percentile 2.2 times the usual): in the 95th percentile,
        // five minutes with the last one past a quarter of the change (found, +147 %, without the
        // look at the geometric mean). Every execution moved in the burst, and the geometric mean's
        // last minute says it is over.
        var log = Generate(minutes: 205, rate: 20, sigma: 0.45, seed: 7, median: m => m >= 200 && m < 204 ? 300 : 100);
        var usual = Enumerable.Range(150, 50).Select(m => (double)log.Get(At(m)).P95).Order().ElementAt(25);
        var last = log.Get(At(204));
        log.Set(At(204), last with { P95 = (float)(2.2 * usual) });

        var findings = StepDetector.Findings(log, At(204), ChangePercent, MinConfidence);

        Assert.True(findings.Count == 0, string.Join("\n", findings));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(100)]
    public void Step_WithASpikeInItsFirstMinutes_FoundOnTheOtherMinutesAsSoonAsWithout(double rate)
    {
        // A +25 % step whose second minute is also a spike five times slower: the second look
        // leaves the spike out (far past the other minutes since the split), and the step's other
        // minutes still carry it, as soon as they do without the spike.
        int? FirstFound(bool spike)
        {
            var log = Generate(minutes: 240, rate, sigma: 0.45, seed: 11, median: m => m < 200 ? 100 : spike && m == 201 ? 625 : 125);
            return FindingsFrom(log, fromMinute: 195, toMinute: 240).Select(f => (int?)f.Minute).FirstOrDefault();
        }

        var (withSpike, without) = (FirstFound(spike: true), FirstFound(spike: false));

        Assert.NotNull(without);
        Assert.Equal(without, withSpike);
    }

    [Fact]
    public void Step_BusyEndpoint_FourMinutesFarUpAndOneAsUsual_FoundByHowFarTheyMoved()
    {
        // Five minutes since a step of +15 % (eight spreads at 300 a minute), the fourth of them as
        // usual: their ranks in any measure say only "four above nearly all" (p about 4e-4), while
        // the geometric mean's level test counts by how far, so the step is found now, by it.
        var log = Generate(minutes: 200, rate: 300, sigma: 0.3, seed: 47, median: _ => 100);
        foreach (var minute in new[] { 195, 196, 197, 199 })
        {
            var m = log.Get(At(minute));
            log.Set(At(minute), m with { Sum = m.Sum * 1.15f, P50 = m.P50 * 1.15f, P95 = m.P95 * 1.15f, LogMean = (float)(m.LogMean + Math.Log(1.15)) });
        }

        var finding = StepDetector.Detect(log, At(199), ChangePercent, MinConfidence);

        Assert.NotNull(finding);
        Assert.Equal(StepMeasure.GeometricMean, finding.Measure);
        Assert.Equal(1, finding.Direction);
        Assert.Equal(At(195), finding.StartMs);
        Assert.Null(StepDetector.Detect(log, At(198), ChangePercent, MinConfidence)); // four minutes: not yet sustained
    }

    [Fact]
    public void Step_MinutesWithoutAGeometricMean_LeftOutOfThatMeasureOnly()
    {
        // A minute with an execution of 0 ms has no geometric mean (NaN): its block is left out of
        // that measure's test, and the others still find the step.
        var log = Generate(minutes: 260, rate: 100, sigma: 0.3, seed: 21, median: m => m >= 200 ? 150 : 100);
        for (var m = 0; m < 260; m += 3)
        {
            var minute = log.Get(At(m));
            log.Set(At(m), minute with { LogMean = float.NaN });
        }

        var (at, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 260).First();
        Assert.InRange(at, 200, 210);
        Assert.Equal(1, finding.Direction);
        Assert.Equal(At(200), finding.StartMs);

        var withoutAny = Generate(minutes: 260, rate: 100, sigma: 0.3, seed: 21, median: m => m >= 200 ? 150 : 100);
        for (var m = 0; m < 260; m++)
        {
            withoutAny.Set(At(m), withoutAny.Get(At(m)) with { LogMean = float.NaN });
        }

        Assert.NotEqual(StepMeasure.GeometricMean, FindingsFrom(withoutAny, fromMinute: 60, toMinute: 260).First().Finding.Measure);
        Assert.Null(StepDetector.IsBack(withoutAny, At(259), StepMeasure.GeometricMean, 1, 100, ChangePercent));
    }

    [Fact]
    public void Spikes_OneMinuteAtFiveTimesSlowerEveryHalfHour_NothingFound()
    {
        var spikes = new HashSet<int> { 90, 120, 150, 180, 181, 240, 300 };
        var log = Generate(minutes: 360, rate: 100, sigma: 0.4, seed: 5, median: m => spikes.Contains(m) ? 500 : 100);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Fact]
    public void Drift_ThirtyPercentSlowerOverSixHours_NothingFound()
    {
        var log = Generate(minutes: 360, rate: 100, sigma: 0.4, seed: 6, median: m => 100 * (1 + (0.3 * m / 360.0)));

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Theory]
    [InlineData(2.0, 7)]
    [InlineData(1.25, 12)]
    [InlineData(1.10, 30)]
    public void Step_BusyEndpoint_FoundWithinItsDelayWithItsStart(double factor, int maxDelayMinutes)
    {
        const int StepMinute = 200;
        var log = Generate(minutes: 300, rate: 200, sigma: 0.3, seed: 7, median: m => m >= StepMinute ? 100 * factor : 100);

        var (minute, finding) = Assert.Single(FindingsFrom(log, fromMinute: 60, toMinute: 300).Take(1));

        Assert.InRange(minute, StepMinute, StepMinute + maxDelayMinutes);
        Assert.Equal(1, finding.Direction);
        Assert.InRange(finding.StartMs, At(StepMinute - 2), At(StepMinute + 2));
        Assert.InRange(finding.ChangePercent, (factor - 1) * 100 * 0.7, (factor - 1) * 100 * 1.3);
        Assert.True(finding.Confidence >= MinConfidence);
    }

    [Fact]
    public void Step_OnAFallingDailyCycle_SizeMeasuredAcrossItsStart()
    {
        // An evening decline, 4 % faster every hour. Against the median of the last
        // ninety minutes a +12 % step measures about 8 %, under the change that counts; across its
        // start, over windows of like length, about 11 %.
        const int StepMinute = 200;
        static double Level(int m) => 100 * (1 - (0.04 * m / 60)) * (m >= StepMinute ? 1.12 : 1);
        var log = Generate(minutes: 300, rate: 300, sigma: 0.3, seed: 12, median: Level);

        var (minute, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 300).First();

        Assert.InRange(minute, StepMinute, StepMinute + 15);
        Assert.Equal(1, finding.Direction);
        Assert.InRange(finding.StartMs, At(StepMinute - 2), At(StepMinute + 2));
        Assert.InRange(finding.ChangePercent, 10, 14);
        // The level just before, not an hour before (an average of σ 0.3 is the median's e^(σ²/2)).
        var level = Level(StepMinute - 10) * (finding.Measure == StepMeasure.Average ? Math.Exp(0.3 * 0.3 / 2) : 1);
        Assert.InRange(finding.BeforeValue, level * 0.97, level * 1.03);
    }

    [Fact]
    public void Step_InTwoStagesOfSevenPercent_FoundAgainstTheLevelBeforeBoth()
    {
        // Neither stage is 10 % across its own start; the two together are 14.5 % over the level
        // before the first, which the blocks before still mostly hold when the second comes.
        var log = Generate(minutes: 300, rate: 300, sigma: 0.3, seed: 13, median: m => 100 * (m >= 150 ? 1.07 : 1) * (m >= 190 ? 1.07 : 1));

        var (minute, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 300).First();

        Assert.InRange(minute, 190, 190 + 15);
        Assert.Equal(1, finding.Direction);
        Assert.InRange(finding.ChangePercent, 10, 20);
    }

    [Fact]
    public void Step_QuietJob_ThreeAMinute_FoundInLongerBlocks()
    {
        const int StepMinute = 240;
        var log = Generate(minutes: 400, rate: 3, sigma: 0.3, seed: 8, median: m => m >= StepMinute ? 200 : 100);

        var (minute, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 400).First();

        Assert.InRange(finding.BlockMinutes, 3, 4); // 10 executions at about 3 a minute
        Assert.InRange(minute, StepMinute, StepMinute + 40);
        Assert.InRange(finding.StartMs, At(StepMinute - 8), At(StepMinute + 8));
    }

    [Fact]
    public void Step_TwentyAMinute_TwentyFivePercent_FoundInEveryOneOfTwentyOperationsWithinAnHour()
    {
        // One-minute blocks of about 20 executions (σ 0.55): a +25 % step is about 1.5 standard
        // errors of a block's median, which the 30- and 45-block splits find where 20 blocks did not
        // always (issue 13: recall >= 99 % for steps of 25 % and more).
        const int StepMinute = 200;
        var missed = new List<int>();
        for (var seed = 100; seed < 120; seed++)
        {
            var log = Generate(minutes: 260, rate: 20, sigma: 0.55, seed, median: m => m >= StepMinute ? 125 : 100);
            var findings = FindingsFrom(log, fromMinute: 60, toMinute: 260);
            if (findings.FirstOrDefault() is not ({ } minute, { Direction: 1 }) || minute < StepMinute)
            {
                missed.Add(seed);
            }
        }

        Assert.Empty(missed);
    }

    [Fact]
    public void Step_TwentyAMinute_TwentyFivePercent_FoundByAMeanWithinTenMinutesMostly()
    {
        // A minute of 20 executions (σ 0.45): its median moves by about 1.8 of its standard errors
        // at +25 %, its average and its geometric mean (every execution counting) by about 2.2 each,
        // so their rank tests pass on fewer blocks (issue 13: median delay <= 10 min).
        const int StepMinute = 200;
        var delays = new List<int>();
        var byMean = 0;
        for (var seed = 300; seed < 320; seed++)
        {
            var log = Generate(minutes: 260, rate: 20, sigma: 0.45, seed, median: m => m >= StepMinute ? 125 : 100);
            if (FindingsFrom(log, fromMinute: 60, toMinute: 260).FirstOrDefault() is ({ } minute, { Direction: 1 } finding) && minute >= StepMinute)
            {
                delays.Add(minute - StepMinute);
                byMean += finding.Measure is StepMeasure.Average or StepMeasure.GeometricMean ? 1 : 0;
            }
        }

        var summary = $"found {delays.Count} of 20, median {Median(delays)} min, {byMean} by a mean";
        Assert.True(delays.Count == 20, summary);
        Assert.True(Median(delays) <= 10, summary);
        Assert.True(byMean >= 10, summary);
    }

    [Fact]
    public void Findings_EachMeasureThatShowsTheStep_MostConfidentFirst_DetectTheFirst()
    {
        // Every request twice as slow: each measure shows it, one finding each, so a caller that
        // refuses the most confident (it does not leave the baseline) can take the next.
        var log = Generate(minutes: 260, rate: 100, sigma: 0.4, seed: 41, median: m => m >= 200 ? 200 : 100);
        var minute = FindingsFrom(log, fromMinute: 60, toMinute: 260).First().Minute;

        var findings = StepDetector.Findings(log, At(minute + 5), ChangePercent, MinConfidence);

        Assert.True(findings.Count >= 3, string.Join(", ", findings.Select(f => f.Measure)));
        Assert.Equal(findings.Count, findings.Select(f => f.Measure).Distinct().Count());
        Assert.All(findings, f => Assert.Equal((1, At(200)), (f.Direction, f.StartMs)));
        Assert.Equal(findings.OrderByDescending(f => f.Confidence).Select(f => f.Confidence), findings.Select(f => f.Confidence));
        Assert.Equal(findings[0], StepDetector.Detect(log, At(minute + 5), ChangePercent, MinConfidence));
        Assert.Empty(StepDetector.Findings(Generate(minutes: 260, rate: 100, sigma: 0.4, seed: 41, median: _ => 100), At(259), ChangePercent, MinConfidence));
    }

    [Fact]
    public void QuietUntil_TwoHoursAndUntilTheStepHasLeftTheHistory()
    {
        var finding = new StepFinding(StepMeasure.P50, -1, At(200), 100, 70, -30, 0.9999999, 1);

        Assert.Equal(At(200 + StepDetector.HistoryMinutes), StepDetector.QuietUntil(finding, At(205)));
        Assert.Equal(At(400 + 120), StepDetector.QuietUntil(finding, At(400)));
    }

    [Fact]
    public void Step_Faster_FoundAsAnImprovement()
    {
        var log = Generate(minutes: 300, rate: 100, sigma: 0.3, seed: 9, median: m => m >= 200 ? 60 : 100);

        var (_, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 300).First();

        Assert.Equal(-1, finding.Direction);
        Assert.InRange(finding.ChangePercent, -50, -30);
    }

    [Fact]
    public void TailOnly_TenPercentOfRequestsThreeTimesSlower_FoundInTheP95()
    {
        var random = new Random(10);
        var log = new MinuteLog(StepDetector.HistoryMinutes);
        for (var m = 0; m < 300; m++)
        {
            var values = Durations(random, 100, 100, 0.2);
            if (m >= 200)
            {
                for (var i = 0; i < values.Length / 10; i++)
                {
                    values[i] *= 3;
                }
            }

            log.Set(At(m), Summary(values));
        }

        var (_, finding) = FindingsFrom(log, fromMinute: 60, toMinute: 300).First();

        Assert.Equal(StepMeasure.P95, finding.Measure);
        Assert.Equal(1, finding.Direction);
    }

    [Fact]
    public void IsBack_AfterTheStepReverts_TrueOnlyOnceTheLastBlocksAreNearTheBefore()
    {
        var log = Generate(minutes: 300, rate: 100, sigma: 0.3, seed: 11, median: m => m is >= 200 and < 250 ? 150 : 100);

        Assert.False(StepDetector.IsBack(log, At(240), StepMeasure.P50, 1, 100, ChangePercent));
        Assert.True(StepDetector.IsBack(log, At(260), StepMeasure.P50, 1, 100, ChangePercent));
        Assert.Null(StepDetector.IsBack(new MinuteLog(60), At(260), StepMeasure.P50, 1, 100, ChangePercent));
    }

    [Fact]
    public void IsBack_ByTheAverage_AfterTheStepReverts()
    {
        // σ 0.45: an average is the median's e^(σ²/2), about 110.7 for a median of 100, so the
        // average is back near 110.7 and not near 100, where the median is.
        var log = Generate(minutes: 300, rate: 100, sigma: 0.45, seed: 13, median: m => m is >= 200 and < 250 ? 150 : 100);

        Assert.False(StepDetector.IsBack(log, At(240), StepMeasure.Average, 1, 110.7, ChangePercent));
        Assert.True(StepDetector.IsBack(log, At(260), StepMeasure.Average, 1, 110.7, ChangePercent));
        Assert.False(StepDetector.IsBack(log, At(260), StepMeasure.Average, 1, 100, ChangePercent));
        Assert.True(StepDetector.IsBack(log, At(260), StepMeasure.P50, 1, 100, ChangePercent));
    }

    [Fact]
    public void MeasureNames_EachNamedAndReadBack_UnknownNull()
    {
        foreach (var measure in Enum.GetValues<StepMeasure>())
        {
            Assert.Equal(measure, StepDetector.MeasureNamed(StepDetector.NameOf(measure)));
        }

        Assert.Equal(["p50", "p95", "avg", "gmean"], Enum.GetValues<StepMeasure>().Select(StepDetector.NameOf));
        Assert.Null(StepDetector.MeasureNamed("p99")); // stored by a version with more measures: not judged back, closed by silence
    }

    [Fact]
    public void Step_QuietOperation_FiveAMinute_TwentyFivePercent_FoundInMoreOperationsAndSoonerByItsExecutions()
    {
        // Blocks of two minutes, each the median of its minutes' medians of about five executions
        // (and their average): a +25 % step (σ 0.45) is found by the blocks in 17 of 20 operations
        // within three hours (median 62 minutes); with the median tested on the executions
        // themselves, in 19 (median 59).
        const int StepMinute = 200;
        var byExecutions = new List<int>();
        var byBlocks = new List<int>();
        for (var seed = 200; seed < 220; seed++)
        {
            foreach (var (keep, found) in new[] { (true, byExecutions), (false, byBlocks) })
            {
                var log = Generate(minutes: 380, rate: 5, sigma: 0.45, seed, median: m => m >= StepMinute ? 125 : 100, keepExecutions: keep);
                if (FindingsFrom(log, fromMinute: 60, toMinute: 380).FirstOrDefault() is ({ } minute, { Direction: 1 }) && minute >= StepMinute)
                {
                    found.Add(minute - StepMinute);
                }
            }
        }

        var summary = $"by executions {byExecutions.Count} of 20 (median {Median(byExecutions)} min), by blocks {byBlocks.Count} (median {Median(byBlocks)} min)";
        Assert.True(byExecutions.Count >= 15, summary);
        Assert.True(byExecutions.Count > byBlocks.Count, summary);
        Assert.True(Median(byExecutions) < Median(byBlocks), summary);
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    public void Noise_QuietOperation_MinutesMovingTogether_NothingFoundByItsExecutions(int seed)
    {
        // Each minute's executions share a level of their own (σ 0.2: load): counted one apiece they
        // would look like hundreds of independent samples; drawn by minute they do not.
        var levels = new Random(seed);
        var level = Enumerable.Range(0, 360).Select(_ => 100 * Math.Exp(0.2 * Math.Sqrt(-2 * Math.Log(1 - levels.NextDouble())) * Math.Cos(2 * Math.PI * levels.NextDouble()))).ToArray();
        var log = Generate(minutes: 360, rate: 8, sigma: 0.3, seed, median: m => level[m]);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Fact]
    public void Spikes_QuietOperation_OneMinuteEightTimesSlowerEveryHalfHour_NothingFoundByItsExecutions()
    {
        var spikes = new HashSet<int> { 90, 120, 150, 180, 181, 240, 270, 300, 330 };
        var log = Generate(minutes: 360, rate: 5, sigma: 0.4, seed: 9, median: m => spikes.Contains(m) ? 800 : 100);

        Assert.Empty(FindingsFrom(log, fromMinute: 60, toMinute: 360));
    }

    [Fact]
    public void MinuteLog_KeepsTheDurationsOfQuietMinutesOnly()
    {
        var log = new MinuteLog(10);
        float[] quiet = [12, 15, 40];
        log.Set(At(1), new MinuteSummary(3, 67, 15, 40), quiet);
        log.Set(At(2), new MinuteSummary(30, 900, 30, 50), [.. Enumerable.Repeat(30f, 30)]); // too many to keep
        log.Set(At(3), new MinuteSummary(3, 67, 15, 40), [12, 15]); // not all of them
        log.Set(At(4), new MinuteSummary(3, 67, 15, 40), quiet);
        log.Set(At(14), new MinuteSummary(20, 600, 30, 40)); // minute 4's slot, ten minutes on

        Assert.True(log.TryGetExecutions(At(1), out var kept));
        Assert.Equal(quiet, kept.ToArray());
        Assert.False(log.TryGetExecutions(At(2), out _));
        Assert.False(log.TryGetExecutions(At(3), out _));
        Assert.False(log.TryGetExecutions(At(14), out _));
        Assert.True(log.TryGetExecutions(At(4), out var gone)); // overwritten: read as empty, like its summary
        Assert.Equal(0, gone.Length);
        Assert.True(log.TryGetExecutions(At(5), out var none)); // a minute without executions: all of them known
        Assert.Equal(0, none.Length);
    }

    [Fact]
    public void MinuteLog_Released_ReadsAsEmpty_KeepsItsLatestMinute_AndStartsAgainOnTheNextSet()
    {
        var log = new MinuteLog(10);
        log.Set(At(1), new MinuteSummary(3, 67, 15, 40), [12, 15, 40]);
        log.Release();

        Assert.Equal(default, log.Get(At(1)));
        Assert.True(log.TryGetExecutions(At(1), out var none));
        Assert.Equal(0, none.Length);
        Assert.Equal(At(1), log.LatestMs);

        log.Set(At(2), new MinuteSummary(2, 30, 15, 15), [15, 15]);
        Assert.Equal(2, log.Get(At(2)).Count);
        Assert.True(log.TryGetExecutions(At(2), out var kept));
        Assert.Equal([15f, 15f], kept.ToArray());
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1.959964, 0.025)]
    [InlineData(-1.959964, 0.975)]
    [InlineData(5, 2.866516e-7)]
    public void UpperNormalTail_KnownValues(double z, double tail) =>
        Assert.Equal(1, StepDetector.UpperNormalTail(z) / tail, 6);

    [Theory]
    [InlineData(5, 30, 1.165e-5)] // the exact tails by numerical integration of the density
    [InlineData(4, 50, 1.046e-4)]
    [InlineData(6, 80, 2.731e-8)]
    [InlineData(7, 80, 3.548e-10)]
    public void StudentUpperTail_KnownValues_ALittleAboveTheExactTail(double t, double degrees, double tail)
    {
        Assert.InRange(StepDetector.StudentUpperTail(t, degrees) / tail, 1, 1.08);
        Assert.Equal(1, StepDetector.StudentUpperTail(-t, degrees) + StepDetector.StudentUpperTail(t, degrees), 12);
        Assert.True(StepDetector.StudentUpperTail(t, degrees) > StepDetector.UpperNormalTail(t)); // a spread measured, not known
    }

    [Fact]
    public void RankTail_Exact_KnownValues()
    {
        Assert.Equal(1.0 / 1_221_759, StepDetector.RankTail(5, 40, 200), 12); // all 5 above all 40: 1 / C(45, 5)
        Assert.Equal(1, StepDetector.RankTail(5, 40, 0), 9);
        Assert.Equal(1.0 / 96_560_646, StepDetector.RankTail(5, 100, 500), 15); // 1 / C(105, 5)
        Assert.Equal(0.5, StepDetector.RankTail(1, 1, 1), 9);
        Assert.Equal(0.1, StepDetector.RankTail(2, 3, 6), 9); // 1 ordering of C(5, 2) = 10
        Assert.Equal(0.2, StepDetector.RankTail(2, 3, 5), 9);
        Assert.Equal(3.0, StepDetector.RankU([4, 5, 6], [1, 2, 3]) / 3, 9);
        Assert.Equal(4.5, StepDetector.RankU([1, 2, 3], [1, 2, 3]), 9);
    }

    private static long At(int minute) => minute * MinuteMs;

    private static double Median(List<int> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);

    /// <summary>Judges every minute from <paramref name="fromMinute"/>, as the live detector does, and returns each finding with the minute it came at.</summary>
    private static List<(int Minute, StepFinding Finding)> FindingsFrom(MinuteLog log, int fromMinute, int toMinute)
    {
        var found = new List<(int, StepFinding)>();
        for (var minute = fromMinute; minute < toMinute; minute++)
        {
            if (StepDetector.Detect(log, At(minute), ChangePercent, MinConfidence) is { } finding)
            {
                found.Add((minute, finding));
            }
        }

        return found;
    }

    /// <summary>
    /// An operation's log, minute by minute; as the monitor does, a quiet minute's durations are kept
    /// one by one too (unless <paramref name="keepExecutions"/> is false). A share
    /// <paramref name="outliers"/> of executions is 5–20 times slower (a heavy tail).
    /// </summary>
    private static MinuteLog Generate(int minutes, double rate, double sigma, int seed, Func<int, double> median, bool keepExecutions = true, double outliers = 0)
    {
        var random = new Random(seed);
        var log = new MinuteLog(StepDetector.HistoryMinutes);
        for (var m = 0; m < minutes; m++)
        {
            var values = Durations(random, Poisson(random, rate), median(m), sigma);
            for (var i = 0; i < values.Length && outliers > 0; i++)
            {
                values[i] *= random.NextDouble() < outliers ? 5 + (15 * random.NextDouble()) : 1;
            }
            if (values.Length > 0)
            {
                log.Set(At(m), Summary(values), keepExecutions ? [.. values.Select(v => (float)v)] : []);
            }
        }

        return log;
    }

    internal static double[] Durations(Random random, int count, double median, double sigma)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = median * Math.Exp(sigma * gaussian);
        }

        return values;
    }

    internal static MinuteSummary Summary(double[] values)
    {
        var sorted = values.Order().ToArray();
        return new MinuteSummary(sorted.Length, (float)sorted.Sum(), (float)Rank(sorted, 0.5), (float)Rank(sorted, 0.95), (float)TrimmedLogMean(sorted));
    }

    /// <summary>A minute's mean logarithm as the monitor finds it: from the sketch bins of its executions, trimmed (<see cref="StepDetector.GeometricMeanTrim"/>).</summary>
    private static double TrimmedLogMean(double[] values)
    {
        var accumulator = t_accumulator ??= new WindowAccumulator();
        accumulator.Reset();
        foreach (var v in values)
        {
            accumulator.AddPoint(v);
        }

        return accumulator.LogMean(StepDetector.GeometricMeanTrim) ?? double.NaN;
    }

    [ThreadStatic]
    private static WindowAccumulator? t_accumulator;

    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static int Poisson(Random random, double lambda)
    {
        if (lambda > 30)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(lambda + (Math.Sqrt(lambda) * gaussian)));
        }

        var limit = Math.Exp(-lambda);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
