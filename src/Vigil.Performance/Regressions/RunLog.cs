namespace Vigil.Performance.Regressions;

/// <summary>
/// The last minutes an operation ran in, however far apart: a ring of the last
/// <see cref="Capacity"/> minutes with executions (each with its <see cref="MinuteSummary"/> and
/// one of its executions, the minute's run), oldest first. An operation that runs less than once a minute (a job every five minutes, every
/// hour) has too few executions in the <see cref="MinuteLog"/>'s four hours for blocks of minutes;
/// <see cref="StepDetector.RunFindings"/> takes each of these minutes as a block instead. Only
/// minutes of at most <see cref="MinuteLog.MaxKeptExecutions"/> executions are added (a busy
/// operation's minutes never are). 32 bytes a minute: under 5 KB. Not thread-safe.
/// </summary>
public sealed class RunLog
{
    private readonly long[] _stamps = new long[Capacity];
    private readonly MinuteSummary[] _minutes = new MinuteSummary[Capacity];
    private readonly float[] _runs = new float[Capacity];
    private int _next;

    /// <summary>How many minutes it holds at most: the longest split and the blocks before it.</summary>
    public static int Capacity { get; } = StepDetector.AfterSplits[^1] + StepDetector.BeforeBlocks;

    /// <summary>How many minutes it holds now.</summary>
    public int Count { get; private set; }

    /// <summary>The start of the latest minute added, or null before the first.</summary>
    public long? LatestMs => Count == 0 ? null : _stamps[(_next + Capacity - 1) % Capacity];

    /// <summary>
    /// Adds the minute starting at <paramref name="minuteMs"/> with <paramref name="run"/>, one of
    /// its executions picked without regard to its duration (the caller's: by the minute, say); a
    /// minute added again (the same start as the latest) replaces it, and one older than the latest
    /// is ignored (minutes are fed in order). A minute without executions is not added.
    /// </summary>
    /// <remarks>
    /// Why one execution and not the minute's median: minutes of one run and minutes of three (a job
    /// that runs more often by day) must be alike when nothing changed, for the rank test to hold. A
    /// median of three has less spread than one run, and a median of two (the lower, by nearest
    /// rank) is lower: among single runs they made a step of nothing. One execution of a minute,
    /// picked blind, is distributed as any one run.
    /// </remarks>
    public void Add(long minuteMs, MinuteSummary summary, float run)
    {
        if (summary.Count <= 0 || (LatestMs is { } latest && minuteMs < latest))
        {
            return;
        }

        if (LatestMs == minuteMs)
        {
            (_minutes[(_next + Capacity - 1) % Capacity], _runs[(_next + Capacity - 1) % Capacity]) = (summary, run);
            return;
        }

        _stamps[_next] = minuteMs;
        _minutes[_next] = summary;
        _runs[_next] = run;
        _next = (_next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>The <paramref name="index"/>-th minute held, oldest first.</summary>
    public (long MinuteMs, MinuteSummary Summary, float Run) this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var slot = (_next - Count + index + Capacity) % Capacity;
            return (_stamps[slot], _minutes[slot], _runs[slot]);
        }
    }

    /// <summary>The median time between the minutes held (ms), or null with fewer than two.</summary>
    public long? TypicalGapMs()
    {
        if (Count < 2)
        {
            return null;
        }

        var gaps = new long[Count - 1];
        for (var i = 1; i < Count; i++)
        {
            gaps[i - 1] = this[i].MinuteMs - this[i - 1].MinuteMs;
        }

        Array.Sort(gaps);
        return gaps[gaps.Length / 2];
    }
}
