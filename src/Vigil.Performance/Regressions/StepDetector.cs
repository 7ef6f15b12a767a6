namespace Vigil.Performance.Regressions;

/// <summary>Which duration a step was found in.</summary>
public enum StepMeasure
{
    /// <summary>The median: the typical execution got slower or faster.</summary>
    P50,

    /// <summary>The 95th percentile: the slow tail moved.</summary>
    P95,

    /// <summary>The average: every execution's duration counts, the slow ones by how slow they are.</summary>
    Average,

    /// <summary>
    /// The geometric mean of the middle 90 % of executions (<see cref="StepDetector.GeometricMeanTrim"/>):
    /// nearly every execution counts, by its logarithm, so the typical execution's step shows with
    /// fewer blocks than in the median, and one execution in a hundred many times slower is left out
    /// (unlike in the average).
    /// </summary>
    GeometricMean,
}

/// <summary>A sustained step in an operation's durations.</summary>
/// <param name="Measure">The duration it was found in.</param>
/// <param name="Direction">+1 slower (a regression), −1 faster (an improvement).</param>
/// <param name="StartMs">The start of the first minute after the step (Unix ms).</param>
/// <param name="BeforeValue">The measure's typical value before the step: the median of as many blocks before its start as are measured since (at least 15), or, for a step only the whole history shows (in stages), of the blocks before the split; ms.</param>
/// <param name="AfterValue">Its typical value since: the median of the blocks since the start (at least the last five), or of the split's; ms.</param>
/// <param name="ChangePercent">After against before, percent, one decimal.</param>
/// <param name="Confidence">1 − the test's p-value, corrected for the splits, measures and directions tried (Bonferroni).</param>
/// <param name="BlockMinutes">The length of a block, minutes.</param>
public sealed record StepFinding(StepMeasure Measure, int Direction, long StartMs, double BeforeValue, double AfterValue, double ChangePercent, double Confidence, int BlockMinutes);

/// <summary>
/// Finds a sustained step in an operation's recent durations, the way a person reading its chart
/// would: the minutes are grouped into blocks of at least <see cref="MinBlockExecutions"/>
/// expected executions (one minute for a busy endpoint, up to ten for a quiet one); the last few
/// blocks are compared with the blocks before them by an exact Mann–Whitney rank test on each
/// block's median, 95th percentile, average and geometric mean (for a busy operation's geometric
/// mean at the shorter splits, by a robust t-test instead: <see cref="LevelTail"/>). A step is reported when the test is significant, nearly
/// all the blocks after (<see cref="Consistency"/>) are on the far side of the before median, and
/// the step measures more than <c>changePercent</c> across its start (the median since it against
/// the median of as many blocks just before it) or against the blocks before the split (a step in
/// stages, a ramp).
/// </summary>
/// <remarks>
/// Why blocks and ranks: executions within a minute are not independent (a one-minute spike
/// slows every request of that minute), so a per-execution test (Welch's t-test on every
/// duration, a per-execution rank test) calls a spike minute "significant". A block is one
/// rank: a spike is one block of the five to twenty compared, which moves the rank statistic by
/// one block's worth, and the consistency rule refuses it outright. The rank test assumes nothing
/// about how block values are distributed, which matters for quiet operations, whose blocks are
/// few executions each. For those (a dozen executions a minute or fewer, whose durations the
/// <see cref="MinuteLog"/> keeps one by one) the median's step is tested on the executions
/// themselves instead (<see cref="ExecutionTail"/>), while the blocks still decide whether the
/// change is consistent and large enough: a block of several minutes is the median of its minutes'
/// medians, which keeps little of its executions' evidence (on the report's corpus a +25 % step at
/// 5 a minute was found in 75 % of operations by the blocks, 94 % by the executions, counted by minute).
/// The average is a block's every execution (its minutes' sums over their counts): where durations
/// have no heavy tail it holds more of their evidence than a median (+25 % at 20 a minute found
/// after 8 minutes instead of 14, +10 % at 100 a minute in 92 % of operations instead of 87 %),
/// and where one execution in a hundred is many times slower it holds less. The geometric mean
/// of a minute's middle 90 % (<see cref="GeometricMeanTrim"/>) counts nearly every execution by its
/// logarithm and leaves out the few far slower, so it keeps most of their evidence either way: with
/// one execution in a hundred 5–20 times slower, +10 % at 100 a minute is found in 90 % of
/// operations after 11 minutes by ranks (83 % after 14 without this measure, 90 % after 13
/// untrimmed; 9 with the level test below) and +25 % at 20 a minute after 9 (12 untrimmed). A minute whose middle 90 % holds an execution of
/// 0 ms, or without sketch bins, has no geometric mean, and its whole block is left out of that
/// measure's test. A slow drift moves the blocks before and after alike,
/// so it shows no step; the daily cycle moves an hour of blocks by a few percent, under the
/// change that counts. The size is also measured across the step's start over windows of like
/// length (<see cref="Size"/>), so a step on a falling cycle is not measured smaller by the hour
/// of cycle before it (on the report's corpus: +10 % steps at 300 a minute found in 95 % of
/// operations instead of 89 %). Several splits (the last 5, 7, 10, 14, 20, 30 and 45 blocks, each against up to
/// 90 blocks before) are tried, so a large step is found after five blocks and a small one, or one
/// of a quiet operation, which needs more evidence, after more; the p-value is corrected for the
/// splits that can run, the four measures and the two directions (Bonferroni). Five blocks above
/// ninety have p = 1 / C(95, 5) ≈ 1.7e-8, so the shortest split still passes the default
/// confidence with fifty-six tests (9.7e-7); with blocks of three minutes or more (fewer than five
/// executions a minute) fewer blocks fit in the history and it no longer can, so the median's
/// test on the executions, or a longer split, finds such an operation's step.
/// <para>That bound is also why a busy operation's geometric mean is tested otherwise at the
/// shorter splits: five blocks all above ninety are as significant as ranks can be, however far
/// above they are. For one-minute blocks, at splits of up to <see cref="LevelLongestSplit"/>
/// blocks, the geometric mean's p-value is a robust t-test's of the blocks' logarithms
/// (<see cref="LevelTail"/>), which counts by how far: with one execution in a hundred 5–20 times
/// slower, a +10 % step at 100 a minute is found after 9 minutes (median) instead of 11, at 300
/// after 4 instead of 6; the false findings on the null corpora were 6 in 60 000 operation-hours
/// against 5. A step is reported only once it has held for <see cref="MinStepMinutes"/> minutes
/// and still holds (<see cref="StillHolds"/>): a burst of a few minutes two or three times slower,
/// which any of the tests can call a step while it lasts and as it ends, is not a regression (on
/// the report's burst corpus 5 to 30 in 1 000 bursts were found after this rule; at 20 a minute
/// and more, about half before). Two more looks refuse what a burst leaves behind: a step of the
/// median or the geometric mean must still be found without the blocks far past the rest since
/// its split (<see cref="WithoutOutliers"/>: the burst inside a longer split), and a step of the
/// 95th percentile or the average that the geometric mean shows as large must still hold there
/// (<see cref="HoldsInTypical"/>: a burst's last minute whose slowest executions are slow by chance);
/// with them, 13, 5, 2 and 3 in 1 000 bursts were found at 5, 20, 100 and 300 a minute (21, 30, 10
/// and 5 before).</para>
/// </remarks>
public static class StepDetector
{
    /// <summary>The executions a block should hold (by the recent rate) for its median to mean something.</summary>
    public const int MinBlockExecutions = 10;

    /// <summary>The longest block: an operation slower than <see cref="MinBlockExecutions"/> executions in this many minutes is judged by the minutes it ran in instead (<see cref="RunFindings"/>).</summary>
    public const int MaxBlockMinutes = 10;

    /// <summary>How many blocks before the step it is compared with (at most; at least <see cref="MinBeforeBlocks"/>).</summary>
    public const int BeforeBlocks = 90;

    /// <summary>The fewest blocks before the step with executions.</summary>
    public const int MinBeforeBlocks = 15;

    /// <summary>The share of blocks after the step that must be past the before median (a spike is one block).</summary>
    public const double Consistency = 0.8;

    /// <summary>
    /// The share of a minute's executions its geometric mean leaves out at each end (a trimmed
    /// geometric mean): with one execution in a hundred 5–20 times slower, a +10 % step at 100
    /// executions a minute is found after 11 minutes (median, by ranks) instead of 13, and without such a tail
    /// it loses next to nothing (a normal sample's 5 % trimmed mean keeps about 97 % of its evidence).
    /// </summary>
    public const double GeometricMeanTrim = 0.05;

    /// <summary>
    /// How long a step must have held to be reported, minutes: a burst of two or three slow
    /// minutes is not a regression, however slow (the level test alone could call a doubling
    /// after three).
    /// </summary>
    public const int MinStepMinutes = 5;

    /// <summary>The splits tried: the last this many blocks against those before them.</summary>
    public static IReadOnlyList<int> AfterSplits { get; } = [5, 7, 10, 14, 20, 30, 45];

    private const long MinuteMs = 60_000;

    /// <summary>The measures tested, each with its own block values.</summary>
    private static readonly StepMeasure[] Measures = [StepMeasure.P50, StepMeasure.P95, StepMeasure.Average, StepMeasure.GeometricMean];

    /// <summary>The measures tested on the minutes an operation ran in (<see cref="RunFindings"/>).</summary>
    private static readonly StepMeasure[] RunMeasures = [StepMeasure.P50];

    /// <summary>
    /// Minutes of history kept per operation (four hours, under 7 KB, and under 12 KB more for a quiet operation's durations): every split with all its
    /// blocks before it for one-minute blocks (10 executions a minute and more); with longer blocks
    /// (quieter operations) the longest splits have fewer blocks before them, or are not tried.
    /// </summary>
    public const int HistoryMinutes = 240;

    /// <summary>
    /// The step in <paramref name="log"/> up to the minute starting at <paramref name="lastMinuteMs"/>
    /// (the last complete minute), or null: the most confident of <see cref="Findings"/>.
    /// </summary>
    public static StepFinding? Detect(MinuteLog log, long lastMinuteMs, double changePercent, double minConfidence) =>
        Findings(log, lastMinuteMs, changePercent, minConfidence) is [var first, ..] ? first : null;

    /// <summary>
    /// The step in <paramref name="log"/> up to the minute starting at <paramref name="lastMinuteMs"/>
    /// (the last complete minute) as each measure that shows it finds it, the most confident first
    /// (of two as confident, the measure tried first): a caller that takes only some findings (a
    /// regression must also leave the baseline, by its own measure) can go on to the next.
    /// <paramref name="changePercent"/> is the smallest change that counts (seed 002: 10);
    /// <paramref name="minConfidence"/> the confidence a step needs.
    /// </summary>
    public static IReadOnlyList<StepFinding> Findings(MinuteLog log, long lastMinuteMs, double changePercent, double minConfidence)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (BlockMinutes(log, lastMinuteMs) is not { } length)
        {
            return [];
        }

        var blocks = Blocks(log, lastMinuteMs, length, Math.Min(AfterSplits[^1] + BeforeBlocks, log.Capacity / length));
        return BlockFindings(blocks, length, log, Measures, changePercent, minConfidence);
    }

    /// <summary>
    /// The step in the minutes an operation ran in (<paramref name="runs"/>), for an operation too
    /// quiet for blocks of minutes (fewer than <see cref="MinBlockExecutions"/> executions in
    /// <see cref="MaxBlockMinutes"/>: a job every five minutes, every hour): each minute it ran in
    /// is a block, however far apart, and its run (<see cref="RunLog.Add"/>) the value tested as its median, by the same rank test,
    /// splits, consistency rule and size as blocks of minutes; the step must have held for
    /// <see cref="MinStepMinutes"/> runs (minutes with executions) and the last of them, and the
    /// median of the last three, still be past (one slow run in five is not held against it:
    /// a job's runs are far apart, so the rule for one-minute blocks, which waits out a burst of a
    /// few minutes, would wait out hours). Only the median is tested: a minute of one run has no
    /// other measure, and the fewer tests leave more of the confidence to the one (five runs above
    /// ninety: p = 1 / C(95, 5) ≈ 1.7e-8, fourteen tests, 2.4e-7). A finding's
    /// <see cref="StepFinding.BlockMinutes"/> is 0: a block is a run's minute.
    /// </summary>
    /// <remarks>
    /// A step stays among the runs for up to <see cref="RunLog.Capacity"/> runs (days, for an hourly
    /// job), longer than <see cref="QuietUntil"/> leaves an operation alone: the caller passes the
    /// start of the last step it recorded as <paramref name="sinceMs"/>, and only the runs since are
    /// compared, so a step is found once and the next one against the level it left (twenty runs on).
    /// Leaving out only findings that start before it would not do: with the step's first runs
    /// among those before a later split, the same step is found again a dozen runs late.
    /// </remarks>
    public static IReadOnlyList<StepFinding> RunFindings(RunLog runs, double changePercent, double minConfidence, long sinceMs = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return BlockFindings(RunBlocks(runs, sinceMs), 0, null, RunMeasures, changePercent, minConfidence);
    }

    /// <summary>
    /// Whether an operation with <paramref name="executions"/> in the last hour runs too rarely for
    /// blocks of minutes (fewer than <see cref="MinBlockExecutions"/> in <see cref="MaxBlockMinutes"/>):
    /// it is judged by the minutes it ran in (<see cref="RunFindings"/>).
    /// </summary>
    public static bool RunsRarely(long executions) => executions / 60.0 * MaxBlockMinutes < MinBlockExecutions;

    /// <summary>Each minute of <paramref name="runs"/> from <paramref name="sinceMs"/> on as a block, oldest first.</summary>
    internal static Block[] RunBlocks(RunLog runs, long sinceMs)
    {
        var first = 0;
        while (first < runs.Count && runs[first].MinuteMs < sinceMs)
        {
            first++;
        }

        var blocks = new Block[runs.Count - first];
        for (var i = 0; i < blocks.Length; i++)
        {
            var (minuteMs, summary, run) = runs[first + i];
            blocks[i] = Block.Of(minuteMs, [summary with { P50 = run }]);
        }

        return blocks;
    }

    /// <summary>
    /// The findings in <paramref name="blocks"/> of <paramref name="length"/> minutes each (0: the
    /// minutes an operation ran in, <see cref="RunFindings"/>), by <paramref name="measures"/>;
    /// <paramref name="log"/> holds the executions of quiet minutes, when the blocks are minutes.
    /// </summary>
    private static IReadOnlyList<StepFinding> BlockFindings(Block[] blocks, int length, MinuteLog? log, StepMeasure[] measures, double changePercent, double minConfidence)
    {
        // Bonferroni over the tests that can run: a split needs its blocks and MinBeforeBlocks before
        // them; each measure, and two directions (the direction is the data's, then tested one-sided).
        var tests = 0;
        foreach (var split in AfterSplits)
        {
            tests += blocks.Length >= split + MinBeforeBlocks ? 2 * measures.Length : 0;
        }

        Span<double> values = stackalloc double[blocks.Length];
        Span<double> typical = stackalloc double[length == 1 ? blocks.Length : 0]; // HoldsInTypical's: one-minute blocks only
        if (length == 1)
        {
            Fill(blocks, StepMeasure.GeometricMean, typical);
        }
        Span<double> rest = stackalloc double[blocks.Length];
        List<StepFinding>? findings = null;
        foreach (var measure in measures)
        {
            StepFinding? best = null;
            Fill(blocks, measure, values);

            foreach (var split in AfterSplits)
            {
                if (Candidate(log, blocks, values, length, split, measure, tests, changePercent, minConfidence) is not { } candidate
                    || (best is not null && candidate.Confidence <= best.Confidence))
                {
                    continue;
                }

                // A burst is not a step: the typical execution's step must still be found without the blocks since the split far past the rest of them.
                if (measure is StepMeasure.P50 or StepMeasure.GeometricMean
                    && WithoutOutliers(values, split, candidate.Direction, rest)
                    && Candidate(log, blocks, rest, length, split, measure, tests, changePercent, Math.Min(minConfidence, SecondLookConfidence)) is null)
                {
                    continue;
                }

                // A burst moves every execution: a step of the slow tail (or the average) that the geometric mean shows as large must still hold there too.
                if (length == 1 && measure is StepMeasure.P95 or StepMeasure.Average && !HoldsInTypical(typical, candidate, blocks))
                {
                    continue;
                }

                best = candidate;
            }

            if (best is not null)
            {
                (findings ??= []).Add(best);
            }
        }

        if (findings is null)
        {
            return [];
        }

        // Stable: of two as confident, the measure tried first stays first.
        return [.. findings.OrderByDescending(f => f.Confidence)];
    }

    /// <summary>Each block's value of <paramref name="measure"/> into <paramref name="values"/>, NaN for a block without executions (or without the measure).</summary>
    private static void Fill(Block[] blocks, StepMeasure measure, Span<double> values)
    {
        for (var i = 0; i < blocks.Length; i++)
        {
            values[i] = blocks[i].Count > 0 ? Value(blocks[i], measure) : double.NaN;
        }
    }

    /// <summary>
    /// Whether <paramref name="finding"/> (of the 95th percentile or the average, in one-minute
    /// blocks) still holds in the geometric mean's blocks <paramref name="typical"/>, where the
    /// geometric mean moved by at least half as much since the same start: a burst of a few minutes
    /// moves every execution, and as it ends the typical execution's last minute says so far more
    /// surely than one minute's 95th percentile (at 20 a minute, one of its two slowest executions).
    /// A step of the slow tail alone moves the geometric mean little and is not asked. Blocks of
    /// several minutes (quiet operations) are not asked either: there the geometric mean of ten
    /// executions misses a quarter of a +25 % step too often, which delayed such steps.
    /// </summary>
    private static bool HoldsInTypical(ReadOnlySpan<double> typical, StepFinding finding, Block[] blocks)
    {
        var since = (int)((blocks[^1].StartMs - finding.StartMs) / MinuteMs) + 1;
        if (Size(typical, Math.Max(since, AfterSplits[0])) is not { } size || size.Change * finding.Direction < Math.Abs(finding.ChangePercent) / 2)
        {
            return true;
        }

        var inTypical = finding with { Measure = StepMeasure.GeometricMean, BeforeValue = size.Before, AfterValue = size.After, ChangePercent = Math.Round(size.Change, 1) };
        return StillHolds(typical, inTypical, 1);
    }

    /// <summary>
    /// The step the last <paramref name="split"/> blocks show in <paramref name="values"/> (the
    /// measure's block values, NaN for a block left out), or null: the test significant at
    /// <paramref name="minConfidence"/> after the Bonferroni correction over <paramref name="tests"/>,
    /// held for <see cref="MinStepMinutes"/>, larger than <paramref name="changePercent"/> across its
    /// start or against the whole history, and still holding.
    /// </summary>
    private static StepFinding? Candidate(MinuteLog? log, Block[] blocks, ReadOnlySpan<double> values, int length, int split, StepMeasure measure, int tests, double changePercent, double minConfidence)
    {
        if (Judge(values, split, changePercent / 2) is not { } found)
        {
            return null;
        }

        var byLevel = measure == StepMeasure.GeometricMean && length == 1 && split <= LevelLongestSplit ? LevelTail(values, split, found.Direction) : null;
        var p = byLevel ?? (measure == StepMeasure.P50 && log is not null && ExecutionTail(log, blocks, values, length, split, found.Direction) is { } byExecution ? byExecution : found.P);
        var confidence = 1 - Math.Min(1, tests * p);
        if (!(confidence >= minConfidence))
        {
            return null;
        }

        var since = StartSplit(values, split, found.Direction);
        if (since * Math.Max(length, 1) < MinStepMinutes)
        {
            return null; // not sustained yet (a minute an operation ran in counts as one)
        }

        var whole = 100 * (found.After - found.Before) / found.Before;
        StepFinding? candidate = null;
        if (Size(values, Math.Max(since, AfterSplits[0])) is { } size && size.Change * found.Direction > changePercent)
        {
            candidate = new StepFinding(measure, found.Direction, blocks[^since].StartMs, size.Before, size.After,
                Math.Round(size.Change, 1), confidence, length);
        }
        else if (whole * found.Direction > changePercent)
        {
            // Not across one start, but against the whole history: a step in stages, or a ramp.
            candidate = new StepFinding(measure, found.Direction, blocks[^since].StartMs, found.Before, found.After,
                Math.Round(whole, 1), confidence, length);
        }

        return candidate is not null && StillHolds(values, candidate, length) ? candidate : null;
    }

    /// <summary>
    /// How far past the median of the blocks since a split a block must lie to be left out of the
    /// second look (<see cref="WithoutOutliers"/>), in spreads of the blocks before: a burst two or
    /// three times slower lies 4 to 6 spreads out at 5 executions a minute and 15 or more at 100,
    /// while a step's own blocks lie that far only by a one-minute spike. At 2.5 spreads a +25 %
    /// step at 2 and 5 a minute was found in 4 and 2 fewer of 300 operations; at 4, in as many as
    /// without the second look.
    /// </summary>
    private const double OutlierSpreads = 4;

    /// <summary>
    /// The confidence the second look (<see cref="WithoutOutliers"/>) asks of the blocks left: the
    /// step is already established, and the question is only whether it is more than the blocks
    /// left out. Asking the full confidence again delayed a +25 % step with a spike in its second
    /// minute by 4 minutes at 20 a minute (fewer blocks, and the level test leaves out the most
    /// extreme of those too); blocks a little high by chance after a burst stay far from this.
    /// </summary>
    private const double SecondLookConfidence = 0.9999;

    /// <summary>
    /// Whether some of the blocks since the last <paramref name="split"/> lie far past the others
    /// (more than <see cref="OutlierSpreads"/> spreads of the blocks before, in the step's
    /// <paramref name="direction"/>, from the median since the split) and are fewer than half of
    /// them (half or more are the step); if so, <paramref name="rest"/> (as long as
    /// <paramref name="values"/>) holds <paramref name="values"/> with those blocks left out as NaN.
    /// When more than a fifth of the split is left out, the consistency rule (<see cref="Consistency"/>
    /// of the split's blocks past the median before, those left out counting as missing) refuses the
    /// rest outright: a step whose later blocks moved on far (a second stage) waits for a split where
    /// they are most of the blocks, or is found by the 95th percentile or the average.
    /// <para>Why: a burst of a few minutes two or three times slower within a longer split carries
    /// its tests (a rank test sees three or four blocks above nearly all, a test of executions sees
    /// their every execution), and the median since the start found, with three or four of its
    /// blocks far up, lands on the highest of the others, so minutes a little slower than before, or
    /// as before and high by chance, pass the size and the consistency rule. A step of the typical
    /// execution moves every block since it, so it is still found without the few far past the rest;
    /// after a burst nothing is left to find. Only the median and the geometric mean are looked at
    /// twice: a slow tail's step shows in the 95th percentile and the average as blocks far apart
    /// (the minutes with more of the slow executions). Leaving those out too found a slow tail at
    /// 20 a minute in 249 of 300 operations instead of 272 (at 2.5 spreads), the 95th
    /// percentile's alone in 269 (at 4), and refused no more bursts.</para>
    /// </summary>
    private static bool WithoutOutliers(ReadOnlySpan<double> values, int split, int direction, Span<double> rest)
    {
        if (values.Length < split + MinBeforeBlocks || LogSpread(values[Math.Max(0, values.Length - split - BeforeBlocks)..^split]) is not { } spread)
        {
            return false;
        }

        Span<double> since = stackalloc double[split];
        since = since[..NonEmpty(values[^split..], since)];
        if (since.Length == 0)
        {
            return false;
        }

        ToLogarithms(since);
        since.Sort();
        var median = MedianOfSorted(since);
        var outliers = 0;
        foreach (var v in since)
        {
            outliers += direction * (v - median) > OutlierSpreads * spread ? 1 : 0;
        }

        if (outliers == 0 || 2 * outliers >= since.Length)
        {
            return false;
        }

        values.CopyTo(rest);
        for (var i = values.Length - split; i < values.Length; i++)
        {
            if (!double.IsNaN(rest[i]) && direction * (Logarithm(rest[i]) - median) > OutlierSpreads * spread)
            {
                rest[i] = double.NaN;
            }
        }

        return true;
    }

    /// <summary>The <see cref="Spread"/> of the logarithms of the values that are not NaN, or null when fewer than <see cref="MinBeforeBlocks"/> or most are equal.</summary>
    private static double? LogSpread(ReadOnlySpan<double> values)
    {
        Span<double> logs = stackalloc double[values.Length];
        logs = logs[..NonEmpty(values, logs)];
        if (logs.Length < MinBeforeBlocks)
        {
            return null;
        }

        ToLogarithms(logs);
        return Spread(logs);
    }

    /// <summary>
    /// Until when an operation is left alone after <paramref name="finding"/>, found at the minute
    /// starting at <paramref name="lastMinuteMs"/>: two hours, and at least until the step has left
    /// the history, so the same step is not found (and an improvement recorded) a second time once
    /// the blocks before a long split reach past it.
    /// </summary>
    public static long QuietUntil(StepFinding finding, long lastMinuteMs)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return Math.Max(lastMinuteMs + (HistoryMinutes * MinuteMs / 2), finding.StartMs + (HistoryMinutes * MinuteMs));
    }

    /// <summary>
    /// Whether the operation's <paramref name="measure"/> is back near <paramref name="beforeValue"/>:
    /// the median of its last five blocks within half of <paramref name="changePercent"/> of it (in the
    /// step's direction). Null when the last blocks hold too few executions to tell.
    /// </summary>
    public static bool? IsBack(MinuteLog log, long lastMinuteMs, StepMeasure measure, int direction, double beforeValue, double changePercent)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (BlockMinutes(log, lastMinuteMs) is not { } length)
        {
            return null;
        }

        return BackIn(Blocks(log, lastMinuteMs, length, AfterSplits[0]), measure, direction, beforeValue, changePercent);
    }

    /// <summary>
    /// <see cref="IsBack"/> for an operation judged by the minutes it ran in (<see cref="RunFindings"/>):
    /// the median of its last five runs' minutes at or after <paramref name="sinceMs"/> (the step's
    /// start: older runs, before it, say nothing of whether it is over); null with fewer than four.
    /// </summary>
    public static bool? RunIsBack(RunLog runs, long sinceMs, StepMeasure measure, int direction, double beforeValue, double changePercent)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var last = new List<Block>(AfterSplits[0]);
        for (var i = runs.Count - 1; i >= 0 && last.Count < AfterSplits[0] && runs[i].MinuteMs >= sinceMs; i--)
        {
            last.Add(Block.Of(runs[i].MinuteMs, [runs[i].Summary with { P50 = runs[i].Run }]));
        }

        return BackIn([.. last], measure, direction, beforeValue, changePercent);
    }

    private static bool? BackIn(Block[] last, StepMeasure measure, int direction, double beforeValue, double changePercent)
    {
        var recent = Values(last, measure).ToArray();
        if (recent.Length < AfterSplits[0] - 1)
        {
            return null;
        }

        var change = 100 * (Median(recent) - beforeValue) / beforeValue;
        return direction > 0 ? change <= changePercent / 2 : change >= -changePercent / 2;
    }

    /// <summary>The block length for the recent rate (the last hour's executions per minute), or null when even the longest block would hold too few.</summary>
    internal static int? BlockMinutes(MinuteLog log, long lastMinuteMs)
    {
        long executions = 0;
        for (var m = 0; m < 60; m++)
        {
            executions += log.Get(lastMinuteMs - (m * MinuteMs)).Count;
        }

        return RunsRarely(executions) ? null : Math.Clamp((int)Math.Ceiling(MinBlockExecutions / (executions / 60.0)), 1, MaxBlockMinutes);
    }

    /// <summary>The last <paramref name="count"/> blocks of <paramref name="length"/> minutes, oldest first.</summary>
    internal static Block[] Blocks(MinuteLog log, long lastMinuteMs, int length, int count)
    {
        var blocks = new Block[count];
        Span<MinuteSummary> minutes = stackalloc MinuteSummary[length];
        for (var j = 0; j < count; j++)
        {
            var endMinute = lastMinuteMs - ((long)j * length * MinuteMs);
            var startMinute = endMinute - ((length - 1) * MinuteMs);
            for (var m = 0; m < length; m++)
            {
                minutes[m] = log.Get(startMinute + (m * MinuteMs));
            }

            blocks[count - 1 - j] = Block.Of(startMinute, minutes);
        }

        return blocks;
    }

    /// <summary>A measure's name in the API and the store: <c>p50</c>, <c>p95</c>, <c>avg</c> or <c>gmean</c>.</summary>
    internal static string NameOf(StepMeasure measure) => measure switch
    {
        StepMeasure.P50 => "p50",
        StepMeasure.P95 => "p95",
        StepMeasure.Average => "avg",
        StepMeasure.GeometricMean => "gmean",
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "Not a step measure."),
    };

    /// <summary>The measure named <paramref name="name"/> (<see cref="NameOf"/>), or null for a name this version does not know.</summary>
    internal static StepMeasure? MeasureNamed(string name) => name switch
    {
        "p50" => StepMeasure.P50,
        "p95" => StepMeasure.P95,
        "avg" => StepMeasure.Average,
        "gmean" => StepMeasure.GeometricMean,
        _ => null,
    };

    internal static double Value(Block block, StepMeasure measure) => measure switch
    {
        StepMeasure.P50 => block.P50,
        StepMeasure.P95 => block.P95,
        StepMeasure.Average => block.Average,
        StepMeasure.GeometricMean => block.GeometricMean,
        _ => throw new ArgumentOutOfRangeException(nameof(measure), measure, "Not a step measure."),
    };

    /// <summary>
    /// The rank test of the last <paramref name="split"/> blocks against up to <see cref="BeforeBlocks"/>
    /// before them, with the consistency rule and a first look at the change: the medians must be
    /// more than <paramref name="changePercent"/> apart (the caller passes half the change that
    /// counts, and measures the step itself across its start). <paramref name="values"/> holds each
    /// block's value of the measure, oldest first, NaN for a block without executions.
    /// </summary>
    private static (double P, int Direction, double Before, double After)? Judge(ReadOnlySpan<double> values, int split, double changePercent)
    {
        if (values.Length < split + MinBeforeBlocks)
        {
            return null;
        }

        Span<double> after = stackalloc double[split];
        after = after[..NonEmpty(values[^split..], after)];
        var beforeBlocks = values[Math.Max(0, values.Length - split - BeforeBlocks)..^split];
        Span<double> before = stackalloc double[beforeBlocks.Length];
        before = before[..NonEmpty(beforeBlocks, before)];
        if (after.Length < split * Consistency || before.Length < MinBeforeBlocks)
        {
            return null;
        }

        after.Sort();
        before.Sort();
        var beforeMedian = MedianOfSorted(before);
        var afterMedian = MedianOfSorted(after);
        if (beforeMedian <= 0)
        {
            return null;
        }

        var change = 100 * (afterMedian - beforeMedian) / beforeMedian;
        var direction = change > changePercent ? 1 : change < -changePercent ? -1 : 0;
        if (direction == 0)
        {
            return null;
        }

        var past = 0;
        foreach (var v in after)
        {
            past += (direction > 0 ? v > beforeMedian : v < beforeMedian) ? 1 : 0;
        }

        if (past < Consistency * after.Length)
        {
            return null;
        }

        var higher = RankU(after, before);
        var u = direction > 0 ? higher : (after.Length * (double)before.Length) - higher; // after lower: the pairs it loses, same distribution
        return (RankTail(after.Length, before.Length, u), direction, beforeMedian, afterMedian);
    }

    /// <summary>
    /// The one-sided p-value of the median's step tested on the executions themselves rather than
    /// on the blocks' medians, when the log kept four in five of the executions of the blocks
    /// compared, or more (a quiet operation: <see cref="MinuteLog.MaxKeptExecutions"/> a minute or
    /// fewer), at least 10 since the split and 150 before it; null otherwise. A block's median of
    /// ten executions keeps about two thirds of their evidence, and a block of several minutes
    /// takes the median of its minutes' medians, which keeps less: at 5 executions a minute a +25 %
    /// step was found in 75 % of operations by the blocks alone.
    /// <para>The executions of a minute are not independent (load moves them together), so the test
    /// ranks executions but treats minutes as the units that are exchangeable when nothing changed:
    /// the sum of the centred ranks of the executions since the split, against its spread when that
    /// many minutes are drawn at random from all of them (a permutation test of minutes, in its
    /// normal approximation; the clustered Wilcoxon test of Rosner, Glynn and Lee has the same
    /// idea). Ranking executions where the minutes would be counted one apiece keeps their
    /// evidence; drawing minutes keeps a slow minute from counting as many findings. A one-minute
    /// spike cannot carry it: the consistency rule (on blocks) refuses a step that is one block, and
    /// in a longer split one minute is one of dozens.</para>
    /// </summary>
    private static double? ExecutionTail(MinuteLog log, Block[] blocks, ReadOnlySpan<double> values, int length, int split, int direction)
    {
        var firstBefore = Math.Max(0, blocks.Length - split - BeforeBlocks);
        var (afterAll, beforeAll) = (Executions(blocks, values, blocks.Length - split, blocks.Length), Executions(blocks, values, firstBefore, blocks.Length - split));
        var (afterRoom, beforeRoom) = ((long)split * length * MinuteLog.MaxKeptExecutions, (long)(blocks.Length - split - firstBefore) * length * MinuteLog.MaxKeptExecutions);
        if (0.8 * afterAll > afterRoom || 0.8 * beforeAll > beforeRoom)
        {
            return null; // too busy: the log cannot have kept four in five of them
        }

        var minutes = (blocks.Length - firstBefore) * length;
        var executions = System.Buffers.ArrayPool<(double Value, int Minute)>.Shared.Rent((int)Math.Min(afterAll + beforeAll, afterRoom + beforeRoom));
        var sums = System.Buffers.ArrayPool<double>.Shared.Rent(minutes);
        try
        {
            // Every kept execution with its minute (0 = the first minute of the first block before).
            var (count, after, before) = (0, 0, 0);
            var firstAfterMinute = (blocks.Length - split - firstBefore) * length;
            for (var j = 0; j < minutes; j++)
            {
                var block = blocks[firstBefore + (j / length)];
                if (!double.IsNaN(values[firstBefore + (j / length)]) && log.TryGetExecutions(block.StartMs + (j % length * MinuteMs), out var kept) && count + kept.Length <= executions.Length)
                {
                    foreach (var v in kept)
                    {
                        executions[count++] = (v, j);
                    }

                    (after, before) = j >= firstAfterMinute ? (after + kept.Length, before) : (after, before + kept.Length);
                }
            }

            if (after < 0.8 * afterAll || before < 0.8 * beforeAll || after < MinBlockExecutions || before < MinBlockExecutions * MinBeforeBlocks)
            {
                return null;
            }

            // Centred mid-ranks, summed by minute.
            var all = executions.AsSpan(0, count);
            all.Sort(static (x, y) => x.Value.CompareTo(y.Value));
            sums.AsSpan(0, minutes).Clear();
            Span<bool> seen = minutes <= 1024 ? stackalloc bool[minutes] : new bool[minutes];
            var centre = (count + 1) / 2.0;
            for (var i = 0; i < count;)
            {
                var end = i;
                while (end + 1 < count && all[end + 1].Value == all[i].Value)
                {
                    end++;
                }

                var rank = ((i + end) / 2.0) + 1 - centre;
                for (var t = i; t <= end; t++)
                {
                    sums[all[t].Minute] += rank;
                    seen[all[t].Minute] = true;
                }

                i = end + 1;
            }

            double statistic = 0, square = 0;
            var (units, afterUnits) = (0, 0);
            for (var j = 0; j < minutes; j++)
            {
                if (!seen[j])
                {
                    continue;
                }

                units++;
                square += sums[j] * sums[j];
                if (j >= firstAfterMinute)
                {
                    afterUnits++;
                    statistic += sums[j];
                }
            }

            // The sum over afterUnits minutes drawn without replacement from units minutes whose sums total 0.
            var variance = afterUnits * (double)(units - afterUnits) / (units - 1) * (square / units);
            return variance > 0 ? UpperNormalTail(direction * statistic / Math.Sqrt(variance)) : null;
        }
        finally
        {
            System.Buffers.ArrayPool<(double Value, int Minute)>.Shared.Return(executions);
            System.Buffers.ArrayPool<double>.Shared.Return(sums);
        }
    }

    /// <summary>
    /// The one-sided p-value of a step in the level of one-minute blocks' geometric means, tested
    /// on their logarithms as the normal values they nearly are (each the mean of ten or more
    /// executions' logarithms, the fastest and slowest 5 % left out): the same blocks as the rank
    /// test's, compared by how far apart they are and not only by their order. Null when fewer
    /// than <see cref="LevelMinBeforeBlocks"/> blocks before the split measure the spread; the
    /// rank test is used then. The rank test can say no more than that the blocks since the split
    /// are all above those before (for five blocks p is at least 1 / C(95, 5)), however far above;
    /// this test also counts by how far, so a step of a few spreads shows in fewer minutes.
    /// <para>Where the data are not normal it holds up: the level since a short split (up to
    /// <see cref="LevelDropSplit"/> blocks) leaves out the split's most extreme block in the step's
    /// direction, so a spike minute is never a fifth of its evidence; each side's level is the
    /// mean of its blocks winsorized at <see cref="LevelClip"/> spreads around their median; the
    /// spread is √(π/2) × the blocks' mean absolute deviation from their median, over the blocks
    /// before the split, each deviation clipped at three standard deviations as the median absolute
    /// deviation measures them (1.4826 × it; a spike before the split does not widen it). That keeps about 88 % of a standard deviation's
    /// evidence (<see cref="LevelSpreadEfficiency"/>), so the statistic is taken as Student's t with 0.88 × (n − 1) degrees of freedom,
    /// not as a normal deviate: at the tail it is tested at (p near 1e-8) the error of a spread
    /// from ninety blocks matters.</para>
    /// </summary>
    internal static double? LevelTail(ReadOnlySpan<double> values, int split, int direction)
    {
        Span<double> after = stackalloc double[split];
        after = after[..NonEmpty(values[^split..], after)];
        var beforeBlocks = values[Math.Max(0, values.Length - split - BeforeBlocks)..^split];
        Span<double> before = stackalloc double[beforeBlocks.Length];
        before = before[..NonEmpty(beforeBlocks, before)];
        if (after.Length < 2 || before.Length < LevelMinBeforeBlocks)
        {
            return null;
        }

        ToLogarithms(after);
        ToLogarithms(before);
        if (split <= LevelDropSplit)
        {
            after.Sort();
            after = direction > 0 ? after[..^1] : after[1..];
        }

        if (Spread(before) is not { } spread)
        {
            return null;
        }

        var t = direction * (Winsorized(after, spread) - Winsorized(before, spread)) / (spread * Math.Sqrt((1.0 / after.Length) + (1.0 / before.Length)));
        return StudentUpperTail(t, LevelSpreadEfficiency * (before.Length - 1));
    }

    /// <summary>
    /// Whether the step <paramref name="finding"/> holds: the median of the last three blocks past
    /// its level before by half its change, and the last block by a quarter of it, in its direction;
    /// for one-minute blocks also the first of the last <see cref="MinStepMinutes"/>, and all but one
    /// of those between (a block left out between them, NaN, is one of those minutes, not judged; one
    /// in the first's place is not, and the block before it is judged there). A burst is not a step:
    /// <list type="bullet">
    /// <item>Four minutes 2.5 times slower and the minute after them are five minutes whose blocks
    /// pass the consistency rule (the one as usual above the median before, as often as not) and a
    /// test (the level test counts by how far they moved; the ranks see four above nearly all). The
    /// median of the last three is still slow then; only the last minute, back as before, says the
    /// burst is over.</item>
    /// <item>While a burst lasts, the start found can take in a minute or more before it (the split
    /// that best explains the blocks as two levels is at least three long): four minutes of a burst
    /// and one before it, or two and three, look five minutes old. The minutes before it are far
    /// from a quarter of the burst's change.</item>
    /// <item>A few minutes after a burst a longer split can still hold it, with minutes a little
    /// above the level before by chance: when the change found across the start is then the burst's
    /// (+100 % and more), the last minutes are far from it. When it is not (the median since the
    /// start lands on the highest of the other minutes: +10 to +60 %), the second look of
    /// <see cref="WithoutOutliers"/> refuses most of them (those of the median and the geometric
    /// mean).</item>
    /// </list>
    /// A step's own minutes miss a quarter of its change by chance now and then (at +10 % and 100 a
    /// minute, σ 0.45, one in seventeen; a block of two minutes at 5 a minute, +25 %, one in five): one such
    /// minute among the five is let pass, and a step whose first or last minute misses is found a
    /// minute later.
    /// </summary>
    private static bool StillHolds(ReadOnlySpan<double> values, StepFinding finding, int length)
    {
        var change = Math.Abs(finding.ChangePercent);
        double Past(double value) => finding.Direction * 100 * (value - finding.BeforeValue) / finding.BeforeValue;
        Span<double> last = stackalloc double[3];
        var (count, seen, misses) = (0, 0, 0);
        var held = length == 1 ? MinStepMinutes : 1;
        for (var i = values.Length - 1; i >= 0 && (count < last.Length || seen < held); i--)
        {
            if (double.IsNaN(values[i]))
            {
                // A block left out (or without executions) between the last judged one and the first of
                // the last five minutes is one of those minutes, not judged; in the first's place, the block
                // before it is judged instead.
                seen += seen > 0 && seen != held - 1 ? 1 : 0;
                continue;
            }

            // The last block and (one-minute blocks) the first of the last five must be past; of those between, all but one.
            if (seen < held && !(Past(values[i]) > change / 4) && (seen == 0 || seen == held - 1 || ++misses > 1))
            {
                return false;
            }

            seen++;
            if (count < last.Length)
            {
                last[count++] = values[i];
            }
        }

        if (count == 0)
        {
            return false;
        }

        last = last[..count];
        last.Sort();
        return Past(MedianOfSorted(last)) > change / 2;
    }

    /// <summary>The share of a standard deviation's evidence the level test's spread keeps (a mean absolute deviation's, 1 / (π − 2)): its degrees of freedom per block.</summary>
    private const double LevelSpreadEfficiency = 0.88;

    /// <summary>How far the level test winsorizes each side's blocks around their median, in spreads.</summary>
    private const double LevelClip = 2.5;

    /// <summary>The longest split whose most extreme block the level test leaves out (in a longer one, winsorized, a spike is under a quarter of a spread's worth).</summary>
    private const int LevelDropSplit = 7;

    /// <summary>
    /// The longest split the level test judges the geometric mean at (one-minute blocks); longer
    /// ones are left to the rank test, which there is nearly as efficient as a t-test and exact,
    /// where the level test pays for a spread it has to measure (a +10 % step at 20 a minute was
    /// found in 403 of 1 000 operations with the level test at every split, 420 without it).
    /// </summary>
    private const int LevelLongestSplit = 14;

    /// <summary>The fewest blocks before the split the level test measures the spread on.</summary>
    private const int LevelMinBeforeBlocks = 30;

    private static void ToLogarithms(Span<double> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Logarithm(values[i]);
        }
    }

    /// <summary>The natural logarithm of a duration, a duration of 0 taken as 1e-9 ms (so it is finite).</summary>
    private static double Logarithm(double value) => Math.Log(Math.Max(value, 1e-9));

    /// <summary>
    /// The spread of <paramref name="values"/> as a standard deviation: √(π/2) × their mean absolute
    /// deviation from their median, each deviation clipped at three standard deviations as the
    /// median absolute deviation measures them; null when most values are equal.
    /// </summary>
    private static double? Spread(ReadOnlySpan<double> values)
    {
        Span<double> deviations = stackalloc double[values.Length];
        values.CopyTo(deviations);
        deviations.Sort();
        var median = MedianOfSorted(deviations);
        for (var i = 0; i < values.Length; i++)
        {
            deviations[i] = Math.Abs(values[i] - median);
        }

        deviations.Sort();
        var limit = 3 * 1.4826 * MedianOfSorted(deviations);
        if (limit <= 0)
        {
            return null;
        }

        double total = 0;
        foreach (var d in deviations)
        {
            total += Math.Min(d, limit);
        }

        return Math.Sqrt(Math.PI / 2) * total / values.Length;
    }

    /// <summary>The mean of <paramref name="values"/>, each first clipped to within <see cref="LevelClip"/> × <paramref name="spread"/> of their median.</summary>
    private static double Winsorized(ReadOnlySpan<double> values, double spread)
    {
        Span<double> sorted = stackalloc double[values.Length];
        values.CopyTo(sorted);
        sorted.Sort();
        var median = MedianOfSorted(sorted);
        double sum = 0;
        foreach (var v in values)
        {
            sum += Math.Clamp(v, median - (LevelClip * spread), median + (LevelClip * spread));
        }

        return sum / values.Length;
    }

    /// <summary>
    /// P(T ≥ <paramref name="t"/>) for Student's t with <paramref name="degrees"/> degrees of freedom,
    /// through the normal deviate of the same tail (Bailey's approximation, z = √((ν − 2/3 + 1/(10ν))
    /// ln(1 + t²/ν))): always above the exact tail, so a little cautious; where the level test
    /// decides (p near 1e-8, ν from 25 to 78) by 15 % at ν 25 and 4 % at ν 78.
    /// </summary>
    internal static double StudentUpperTail(double t, double degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        var z = Math.Sqrt((degrees - (2.0 / 3) + (1 / (10 * degrees))) * Math.Log(1 + (t * t / degrees)));
        return UpperNormalTail(t >= 0 ? z : -z);
    }

    /// <summary>The executions blocks [<paramref name="from"/>, <paramref name="to"/>) hold, leaving out those whose value is NaN (left out of the test).</summary>
    private static long Executions(Block[] blocks, ReadOnlySpan<double> values, int from, int to)
    {
        long count = 0;
        for (var i = from; i < to; i++)
        {
            count += double.IsNaN(values[i]) ? 0 : blocks[i].Count;
        }

        return count;
    }

    /// <summary>P(Z ≥ <paramref name="z"/>) for a standard normal Z: half the complementary error function, by its Chebyshev fit (relative error under 1.2e-7 everywhere).</summary>
    internal static double UpperNormalTail(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + (0.5 * x));
        ReadOnlySpan<double> c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var k = c.Length - 1; k >= 0; k--)
        {
            poly = c[k] + (t * poly);
        }

        var erfc = t * Math.Exp((-x * x) + poly);
        return z >= 0 ? erfc / 2 : 1 - (erfc / 2);
    }

    /// <summary>Copies the values that are not NaN into <paramref name="into"/>; returns how many.</summary>
    private static int NonEmpty(ReadOnlySpan<double> values, Span<double> into)
    {
        var count = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                into[count++] = v;
            }
        }

        return count;
    }

    /// <summary>
    /// Where the step began, as the blocks since it: of the splits from 3 blocks to twice the detecting one, the one that
    /// best explains the blocks as two levels — the largest difference of the mean logarithms
    /// after and before, weighted by √(n₁n₂ / (n₁ + n₂)) (the likelihood-ratio change point of a
    /// shift in the mean). A rank statistic would not do here: it grows with the number of blocks
    /// when the separation is nearly complete, so it would take in blocks from before the step.
    /// </summary>
    private static int StartSplit(ReadOnlySpan<double> values, int detectedSplit, int direction)
    {
        var bestSplit = detectedSplit;
        var best = double.NegativeInfinity;
        for (var split = 3; split <= Math.Min(2 * detectedSplit, values.Length - MinBeforeBlocks); split++)
        {
            var (after, before) = (MeanLogarithm(values[^split..]), MeanLogarithm(values[Math.Max(0, values.Length - split - BeforeBlocks)..^split]));
            if (after.Count == 0 || before.Count == 0)
            {
                continue;
            }

            double n1 = after.Count, n2 = before.Count;
            var statistic = Math.Sqrt(n1 * n2 / (n1 + n2)) * (after.Mean - before.Mean) * direction;
            if (statistic > best)
            {
                (best, bestSplit) = (statistic, split);
            }
        }

        return bestSplit;
    }

    /// <summary>The mean logarithm of the values that are not NaN, and how many there are.</summary>
    private static (double Mean, int Count) MeanLogarithm(ReadOnlySpan<double> values)
    {
        var (sum, count) = (0.0, 0);
        foreach (var v in values)
        {
            if (!double.IsNaN(v))
            {
                (sum, count) = (sum + Logarithm(v), count + 1);
            }
        }

        return (count == 0 ? 0 : sum / count, count);
    }

    /// <summary>The blocks' values of <paramref name="measure"/>, leaving out blocks without executions or without the measure.</summary>
    private static IEnumerable<double> Values(IEnumerable<Block> blocks, StepMeasure measure) =>
        blocks.Where(b => b.Count > 0).Select(b => Value(b, measure)).Where(v => !double.IsNaN(v));

    /// <summary>
    /// The step's size, percent: the median of the last <paramref name="after"/> blocks against the
    /// median of as many blocks just before them (at least <see cref="MinBeforeBlocks"/>), or null
    /// when either side has no executions. Measured across the step's start and over windows of
    /// like length, a daily cycle's slope or a drift moves it little, where a comparison with the
    /// whole history would take in an hour or more of it.
    /// </summary>
    private static (double Before, double After, double Change)? Size(ReadOnlySpan<double> values, int after)
    {
        var beforeCount = Math.Max(after, MinBeforeBlocks);
        if (values.Length < after + 1)
        {
            return null;
        }

        Span<double> a = stackalloc double[after];
        a = a[..NonEmpty(values[^after..], a)];
        var beforeBlocks = values[Math.Max(0, values.Length - after - beforeCount)..^after];
        Span<double> b = stackalloc double[beforeBlocks.Length];
        b = b[..NonEmpty(beforeBlocks, b)];
        if (a.Length == 0 || b.Length == 0)
        {
            return null;
        }

        a.Sort();
        b.Sort();
        var (before, since) = (MedianOfSorted(b), MedianOfSorted(a));
        return before > 0 ? (before, since, 100 * (since - before) / before) : null;
    }

    /// <summary>
    /// The Mann–Whitney statistic U of <paramref name="a"/> against <paramref name="b"/>, both sorted
    /// ascending: the pairs where <paramref name="a"/>'s value is higher (ties count a half), in one
    /// pass over both.
    /// </summary>
    internal static double RankU(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double u = 0;
        int below = 0, upTo = 0; // the values of b under x, and at most x
        foreach (var x in a)
        {
            while (below < b.Length && b[below] < x)
            {
                below++;
            }

            upTo = Math.Max(upTo, below);
            while (upTo < b.Length && b[upTo] <= x)
            {
                upTo++;
            }

            u += below + (0.5 * (upTo - below));
        }

        return u;
    }

    /// <summary>
    /// The exact one-sided p-value of the Mann–Whitney test: the chance that, with no step, the
    /// <paramref name="m"/> blocks after would rank at least as high as they do (U at least
    /// <paramref name="u"/>, rounded down) among all ways of choosing them from the
    /// <paramref name="m"/> + <paramref name="n"/>. Exact rather than the normal approximation,
    /// which is far too cautious in the tail a few blocks can reach: five blocks above forty have
    /// p = 1 / C(45, 5) ≈ 8e-7, where the approximation says 1.4e-4.
    /// </summary>
    internal static double RankTail(int m, int n, double u)
    {
        if (!Distributions.TryGetValue((m, n), out var distribution))
        {
            distribution = UDistribution(m, n);
            if (Distributions.Count < MaxCachedDistributions)
            {
                Distributions.TryAdd((m, n), distribution);
            }
        }

        var from = Math.Clamp((int)Math.Floor(u), 0, distribution.Length);
        double tail = 0;
        for (var i = from; i < distribution.Length; i++)
        {
            tail += distribution[i];
        }

        return Math.Min(1, tail);
    }

    // The pairs of block counts met are few for busy operations and more for quiet ones (empty
    // blocks): the cache is bounded (at most 45 × 90 + 1 values, 32 KB, a pair: 32 MB at worst).
    private const int MaxCachedDistributions = 1024;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int M, int N), double[]> Distributions = new();

    /// <summary>P(U = u) for u = 0 … m·n with no ties: the coefficients of the Gaussian binomial [m + n choose m], over C(m + n, m).</summary>
    private static double[] UDistribution(int m, int n)
    {
        // ways[j][u]: the orderings of i "after" and j "before" values with U = u, built up i by i.
        var ways = new double[n + 1][];
        for (var j = 0; j <= n; j++)
        {
            ways[j] = new double[(m * n) + 1];
            ways[j][0] = 1;
        }

        for (var i = 1; i <= m; i++)
        {
            var next = new double[n + 1][];
            next[0] = new double[(m * n) + 1];
            next[0][0] = 1;
            for (var j = 1; j <= n; j++)
            {
                // The largest value is an "after" one (beating all j before: U grows by j) or a "before" one.
                var row = new double[(m * n) + 1];
                var previous = ways[j];
                for (var u = j; u <= m * n; u++)
                {
                    row[u] += previous[u - j];
                }

                var left = next[j - 1];
                for (var u = 0; u <= m * n; u++)
                {
                    row[u] += left[u];
                }

                next[j] = row;
            }

            ways = next;
        }

        var total = ways[n].Sum();
        return [.. ways[n].Select(w => w / total)];
    }

    internal static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return MedianOfSorted(sorted);
    }

    private static double MedianOfSorted(ReadOnlySpan<double> sorted)
    {
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// A block of minutes: its executions, its median and 95th percentile taken as the
    /// execution-weighted median and 95th percentile of its minutes' own (exact for one-minute
    /// blocks; for longer ones a consistent stand-in, which is all a rank test needs), its
    /// average (exact: its minutes' sums over their counts) and its geometric mean (exact, from its
    /// minutes' mean logarithms; NaN when a minute's is not known).
    /// </summary>
    internal readonly record struct Block(long StartMs, long Count, double P50, double P95, double Average, double GeometricMean)
    {
        public static Block Of(long startMs, ReadOnlySpan<MinuteSummary> minutes)
        {
            long count = 0;
            double sum = 0, logSum = 0;
            foreach (var m in minutes)
            {
                count += m.Count;
                sum += m.Sum;
                logSum += m.Count > 0 ? m.Count * (double)m.LogMean : 0;
            }

            if (count == 0)
            {
                return new Block(startMs, 0, 0, 0, 0, 0);
            }

            return new Block(startMs, count, Weighted(minutes, p95: false, 0.5, count), Weighted(minutes, p95: true, 0.95, count), sum / count, Math.Exp(logSum / count));
        }

        private static double Weighted(ReadOnlySpan<MinuteSummary> minutes, bool p95, double q, long count)
        {
            Span<(float Value, int Count)> pairs = stackalloc (float, int)[minutes.Length];
            var n = 0;
            foreach (var m in minutes)
            {
                if (m.Count > 0)
                {
                    pairs[n++] = (p95 ? m.P95 : m.P50, m.Count);
                }
            }

            pairs = pairs[..n];
            pairs.Sort(static (x, y) => x.Value.CompareTo(y.Value));
            var rank = q * count;
            long seen = 0;
            foreach (var (v, c) in pairs)
            {
                seen += c;
                if (seen >= rank)
                {
                    return v;
                }
            }

            return pairs[^1].Value;
        }
    }
}
