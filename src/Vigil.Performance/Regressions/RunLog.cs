namespace Vigil.Performance.Regressions;

/// <summary>
/// The last minutes an operation ran in, however far apart: a ring of the last
/// <see cref="Capacity"/> minutes with executions (each with its <see cref="MinuteSummary"/>),
/// oldest first. An operation that runs less than once a minute (a job every five minutes, every
/// hour) has too few executions in the <see cref="MinuteLog"/>'s four hours for blocks of minutes;
/// <see cref="StepDetector.RunFindings"/> takes each of these minutes as a block instead. Only
/// minutes of at most <see cref="MinuteLog.MaxKeptExecutions"/> executions are added (a busy
/// operation's minutes never are). 28 bytes a minute: under 4 KB. Not thread-safe.
/// </summary>
public sealed class RunLog
{
    private readonly long[] _stamps = new long[Capacity];
    private readonly MinuteSummary[] _minutes = new MinuteSummary[Capacity];
    private int _next;

    /// <summary>How many minutes it holds at most: the longest split and the blocks before it.</summary>
    public static int Capacity { get; } = StepDetector.AfterSplits[^1] + StepDetector.BeforeBlocks;

    /// <summary>How many minutes it holds now.</summary>
    public int Count { get; private set; }

    /// <summary>The start of the latest minute added, or null before the first.</summary>
    public long? LatestMs => Count == 0 ? null : _stamps[(_next + Capacity - 1) % Capacity];

    /// <summary>
    /// Adds the minute starting at <paramref name="minuteMs"/>; a minute added again (the same
    /// start as the latest) replaces it, and one older than the latest is ignored (minutes are fed
    /// in order). A minute without executions is not added.
    /// </summary>
    public void Add(long minuteMs, MinuteSummary summary)
    {
        if (summary.Count <= 0 || (LatestMs is { } latest && minuteMs < latest))
        {
            return;
        }

        if (LatestMs == minuteMs)
        {
            _minutes[(_next + Capacity - 1) % Capacity] = summary;
            return;
        }

        _stamps[_next] = minuteMs;
        _minutes[_next] = summary;
        _next = (_next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>The <paramref name="index"/>-th minute held, oldest first.</summary>
    public (long MinuteMs, MinuteSummary Summary) this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var slot = (_next - Count + index + Capacity) % Capacity;
            return (_stamps[slot], _minutes[slot]);
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
