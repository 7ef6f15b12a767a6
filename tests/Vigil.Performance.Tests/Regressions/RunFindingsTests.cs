using Vigil.Performance.Regressions;

namespace Vigil.Performance.Tests.Regressions;

/// <summary>
/// Issue 13, item 3, for jobs and endpoints that run less than once a minute: too quiet for blocks
/// of minutes (<see cref="StepDetector.Findings"/> finds nothing), they are judged by the minutes
/// they ran in (<see cref="StepDetector.RunFindings"/>), run by run, as the monitor judges them.
/// </summary>
public sealed class RunFindingsTests
{
    private const long MinuteMs = 60_000;
    private const double ChangePercent = 10;
    private const double MinConfidence = 0.999999;

    [Theory]
    [InlineData(5)]
    [InlineData(60)]
    public void Job_TwiceAsSlow_FoundWithinTwentyRuns_AtItsStart_WhereBlocksOfMinutesFindNothing(int gapMinutes)
    {
        // Ninety runs around a minute (σ 0.3), then twice as long, on ten seeded jobs.
        var delays = new List<int>();
        for (var seed = 1; seed <= 10; seed++)
        {
            var (runs, minutes) = (new RunLog(), new MinuteLog(StepDetector.HistoryMinutes));
            var random = new Random(seed);
            (int Run, StepFinding Finding)? found = null;
            for (var run = 0; run < 130 && found is null; run++)
            {
                var minuteMs = run * gapMinutes * MinuteMs;
                var summary = Add(runs, minuteMs, random, run >= 90 ? 120_000 : 60_000, 0.3);
                minutes.Set(minuteMs, summary);
                Assert.Empty(StepDetector.Findings(minutes, minuteMs, ChangePercent, MinConfidence));
                if (StepDetector.RunFindings(runs, ChangePercent, MinConfidence) is [var first, ..])
                {
                    found = (run, first);
                }
            }

            var (at, finding) = Assert.IsType<(int, StepFinding)>(found);
            delays.Add(at - 90);
            Assert.InRange(at, 90, 110);
            Assert.Equal(1, finding.Direction);
            Assert.Equal(StepMeasure.P50, finding.Measure);
            Assert.Equal(0, finding.BlockMinutes);
            Assert.InRange(finding.StartMs, 89 * gapMinutes * MinuteMs, 91 * gapMinutes * MinuteMs);
            Assert.InRange(finding.ChangePercent, 60, 150);
        }

        // Five runs all slower than the ninety before are as significant as ranks can be at the
        // default confidence (1 / C(95, 5) for fourteen tests): most jobs need a few more.
        Assert.InRange(delays.Order().ElementAt(delays.Count / 2), 4, 10);
    }

    [Fact]
    public void Job_FortyPercentFaster_FoundAsAnImprovement()
    {
        var runs = new RunLog();
        var random = new Random(21);
        StepFinding? found = null;
        for (var run = 0; run < 140 && found is null; run++)
        {
            Add(runs, run * 10 * MinuteMs, random, run >= 100 ? 36_000 : 60_000, 0.3);
            found = StepDetector.RunFindings(runs, ChangePercent, MinConfidence) is [var first, ..] ? first : null;
        }

        Assert.NotNull(found);
        Assert.Equal(-1, found.Direction);
        Assert.InRange(found.ChangePercent, -55, -25);
        Assert.InRange(found.StartMs, 99 * 10 * MinuteMs, 101 * 10 * MinuteMs);
    }

    [Fact]
    public void Job_FortyPercentFaster_JudgedAtEveryRunForAHundredMore_RecordedOnce()
    {
        // A step stays among the runs for up to 135 runs, longer than the monitor leaves an operation
        // alone after a finding: only the runs since the step recorded are compared. (Leaving out only
        // findings that start before it found seed 38's step again 13 runs later.)
        for (var seed = 30; seed < 40; seed++)
        {
            var runs = new RunLog();
            var random = new Random(seed);
            var found = new List<StepFinding>();
            long? recorded = null;
            for (var run = 0; run < 300; run++)
            {
                Add(runs, run * 60 * MinuteMs, random, run >= 100 ? 36_000 : 60_000, 0.3);
                if (StepDetector.RunFindings(runs, ChangePercent, MinConfidence, recorded ?? long.MinValue) is [var first, ..])
                {
                    found.Add(first);
                    recorded = first.StartMs;
                }
            }

            var finding = Assert.Single(found);
            Assert.Equal(-1, finding.Direction);
        }
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.55)]
    public void Noise_FortyJobsJudgedAtEveryRun_WithASlowRunNowAndThen_NothingFound(double sigma)
    {
        // 300 runs each (the log keeps the last 135), one run in forty 3-8 times slower.
        for (var seed = 100; seed < 140; seed++)
        {
            var runs = new RunLog();
            var random = new Random(seed);
            for (var run = 0; run < 300; run++)
            {
                var slow = random.NextDouble() < 1.0 / 40 ? 3 + (5 * random.NextDouble()) : 1;
                Add(runs, run * 7 * MinuteMs, random, 2_000 * slow, sigma);
                Assert.Empty(StepDetector.RunFindings(runs, ChangePercent, MinConfidence));
            }
        }
    }

    [Fact]
    public void TwoAMinuteByDay_ThenARunEveryFiveMinutesAtNight_SameDurations_NothingFound()
    {
        // An endpoint at two a minute by day, then quiet at night, its requests as long as ever: a
        // minute's median of two (the lower, by nearest rank) is lower than one run, so with the
        // minutes' medians among the runs the night looked slower. Each minute's run is one of its
        // executions, picked blind, so day and night minutes are alike. (With the medians, 3 of these
        // hundred endpoints were found slower.)
        for (var seed = 200; seed < 300; seed++)
        {
            var runs = new RunLog();
            var random = new Random(seed);
            for (var minute = 0; minute < 135; minute++)
            {
                Add(runs, minute * MinuteMs, random, 100, 0.3, count: 2);
            }

            for (var run = 0; run < 45; run++)
            {
                Add(runs, (135 + (5 * run)) * MinuteMs, random, 100, 0.3);
                Assert.Empty(StepDetector.RunFindings(runs, ChangePercent, MinConfidence));
            }
        }
    }

    [Theory]
    [InlineData(60, 2)]
    [InlineData(60, 3)]
    [InlineData(15, 5)]
    [InlineData(10, 4)]
    public void RunOf_AJobOnTheHourOrEveryFewMinutes_PicksEachOfAMinutesExecutionsAlike(int periodMinutes, int executions)
    {
        // Minute numbers of a scheduled job are multiples of its period: taken modulo the number of
        // executions they would pick the fastest every time.
        float[] sorted = [.. Enumerable.Range(0, executions).Select(i => (float)i)];
        var picked = new int[executions];
        for (var run = 0; run < 600; run++)
        {
            picked[(int)RegressionMonitor.RunOf(run * periodMinutes * MinuteMs, sorted)]++;
        }

        Assert.All(picked, count => Assert.InRange(count, 600 / executions / 2, 600 / executions * 2));
        Assert.True(float.IsNaN(RegressionMonitor.RunOf(0, [])));
    }

    [Fact]
    public void BatchMinute_TenRunsInOneMinuteAllFourTimesSlower_IsOneRun_NoStep()
    {
        // A job that fans out ten runs at once, slow together (the database was busy): one minute,
        // one block, however many runs it held; then as before.
        var runs = new RunLog();
        var random = new Random(7);
        for (var run = 0; run < 120; run++)
        {
            var minute = run * 3;
            Add(runs, minute * MinuteMs, random, run == 110 ? 8_000 : 2_000, 0.3, count: run == 110 ? 10 : 1);
            Assert.Empty(StepDetector.RunFindings(runs, ChangePercent, MinConfidence));
        }
    }

    [Fact]
    public void RunIsBack_MedianOfTheLastFiveRuns_AgainstTheLevelBefore()
    {
        var runs = new RunLog();
        var random = new Random(3);
        for (var run = 0; run < 100; run++)
        {
            Add(runs, run * 5 * MinuteMs, random, run >= 60 ? 200 : 100, 0.05);
        }

        var stepMs = 60 * 5 * MinuteMs;
        Assert.False(StepDetector.RunIsBack(runs, stepMs, StepMeasure.P50, 1, 100, ChangePercent));
        for (var run = 100; run < 105; run++)
        {
            Add(runs, run * 5 * MinuteMs, random, 100, 0.05);
        }

        Assert.True(StepDetector.RunIsBack(runs, stepMs, StepMeasure.P50, 1, 100, ChangePercent));
        Assert.Null(StepDetector.RunIsBack(new RunLog(), stepMs, StepMeasure.P50, 1, 100, ChangePercent));

        // Runs before the step say nothing of whether it is over: three since it are too few.
        Assert.Null(StepDetector.RunIsBack(runs, 102 * 5 * MinuteMs, StepMeasure.P50, 1, 100, ChangePercent));
    }

    [Fact]
    public void RunLog_KeepsTheLastMinutesRunInOldestFirst_ReplacesAMinuteAddedAgain_IgnoresOlderAndEmptyOnes()
    {
        var runs = new RunLog();
        Assert.Null(runs.LatestMs);
        Assert.Null(runs.TypicalGapMs());
        for (var run = 0; run < RunLog.Capacity + 10; run++)
        {
            runs.Add(run * 5 * MinuteMs, new MinuteSummary(1, run, run, run), run);
        }

        Assert.Equal(RunLog.Capacity, runs.Count);
        Assert.Equal(10 * 5 * MinuteMs, runs[0].MinuteMs);
        Assert.Equal((RunLog.Capacity + 9) * 5 * MinuteMs, runs.LatestMs);
        Assert.Equal(5 * MinuteMs, runs.TypicalGapMs());

        runs.Add(runs.LatestMs!.Value, new MinuteSummary(2, 7, 3, 4), 4);
        runs.Add(0, new MinuteSummary(1, 1, 1, 1), 1);
        runs.Add(runs.LatestMs.Value + MinuteMs, default, 0);
        Assert.Equal(RunLog.Capacity, runs.Count);
        Assert.Equal(new MinuteSummary(2, 7, 3, 4), runs[^1].Summary);
        Assert.Equal(4, runs[^1].Run);
        Assert.Throws<ArgumentOutOfRangeException>(() => runs[RunLog.Capacity]);
    }

    /// <summary>Adds a minute of <paramref name="count"/> runs to <paramref name="runs"/> as the monitor does (its run picked by the minute); its summary.</summary>
    private static MinuteSummary Add(RunLog runs, long minuteMs, Random random, double median, double sigma, int count = 1)
    {
        var durations = StepDetectorTests.Durations(random, count, median, sigma).Order().Select(d => (float)d).ToArray();
        var summary = StepDetectorTests.Summary([.. durations.Select(d => (double)d)]);
        runs.Add(minuteMs, summary, RegressionMonitor.RunOf(minuteMs, durations));
        return summary;
    }
}
