namespace Vigil.Performance.Regressions;

/// <summary>One operation's executions in one minute: how many, their total duration, their median and 95th percentile, and their geometric mean (as its logarithm).</summary>
/// <param name="Count">Executions.</param>
/// <param name="Sum">Sum of durations, ms.</param>
/// <param name="P50">Median duration, ms.</param>
/// <param name="P95">95th percentile, ms.</param>
/// <param name="LogMean">The mean of the durations' natural logarithms (of ms) without the lowest and highest <see cref="StepDetector.GeometricMeanTrim"/> of them: the logarithm of their trimmed geometric mean; NaN when not known (one of those kept took 0 ms).</param>
public readonly record struct MinuteSummary(int Count, float Sum, float P50, float P95, float LogMean = float.NaN);

/// <summary>
/// The last minutes of one operation, a ring of <see cref="MinuteSummary"/> indexed by the
/// minute's start (28 bytes a minute with its stamp: four hours are under 7 KB), and, for minutes of at most
/// <see cref="MaxKeptExecutions"/> executions, their durations one by one (a quiet operation's
/// median over a block of minutes says less than its executions do: <see cref="StepDetector"/>
/// ranks them). The durations take 48 bytes a minute more (under 12 KB for four hours), only
/// once a minute has kept some. Minutes never set, or set longer ago than the capacity, read as
/// empty. Not thread-safe.
/// </summary>
public sealed class MinuteLog
{
    /// <summary>The most executions of one minute whose durations are kept one by one.</summary>
    public const int MaxKeptExecutions = 12;

    private const long MinuteMs = 60_000;
    private const byte NotKept = byte.MaxValue;
    private readonly int _capacity;
    private MinuteSummary[]? _minutes;
    private long[]? _stamps;
    private float[]? _executions;
    private byte[]? _kept;

    /// <summary>A log of the last <paramref name="capacity"/> minutes.</summary>
    public MinuteLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>How many minutes the log holds.</summary>
    public int Capacity => _capacity;

    /// <summary>The start of the latest minute set, or null before the first.</summary>
    public long? LatestMs { get; private set; }

    /// <summary>
    /// Sets the minute starting at <paramref name="minuteMs"/> (a multiple of a minute), with its
    /// executions' durations when <paramref name="executions"/> holds all of them (as many as
    /// <paramref name="summary"/> counts, at most <see cref="MaxKeptExecutions"/>); otherwise the
    /// minute's durations are not known one by one.
    /// </summary>
    public void Set(long minuteMs, MinuteSummary summary, ReadOnlySpan<float> executions = default)
    {
        var slot = Slot(minuteMs);
        if (_stamps is null || _minutes is null)
        {
            _minutes = new MinuteSummary[_capacity];
            _stamps = new long[_capacity];
            Array.Fill(_stamps, long.MinValue);
        }

        _minutes[slot] = summary;
        _stamps[slot] = minuteMs;
        if (summary.Count is > 0 and <= MaxKeptExecutions && executions.Length == summary.Count)
        {
            _kept ??= NewKept(_capacity);
            _executions ??= new float[_capacity * MaxKeptExecutions];
            executions.CopyTo(_executions.AsSpan(slot * MaxKeptExecutions, MaxKeptExecutions));
            _kept[slot] = (byte)summary.Count;
        }
        else if (_kept is not null)
        {
            _kept[slot] = summary.Count == 0 ? (byte)0 : NotKept;
        }

        if (LatestMs is not { } latest || minuteMs > latest)
        {
            LatestMs = minuteMs;
        }
    }

    /// <summary>The minute starting at <paramref name="minuteMs"/>, or an empty one.</summary>
    public MinuteSummary Get(long minuteMs)
    {
        var slot = Slot(minuteMs);
        return _stamps is not null && _minutes is not null && _stamps[slot] == minuteMs ? _minutes[slot] : default;
    }

    /// <summary>
    /// Forgets every minute and lets go of their memory (an operation that has not run for the
    /// whole history, kept for the minutes it ran in: <see cref="RunLog"/>); <see cref="LatestMs"/>
    /// stays. A minute set afterwards starts it again.
    /// </summary>
    public void Release() => (_minutes, _stamps, _executions, _kept) = (null, null, null, null);

    /// <summary>
    /// The durations of the minute starting at <paramref name="minuteMs"/> one by one (empty for a
    /// minute without executions); false when they were not kept.
    /// </summary>
    public bool TryGetExecutions(long minuteMs, out ReadOnlySpan<float> executions)
    {
        executions = default;
        var slot = Slot(minuteMs);
        if (_stamps is null || _minutes is null || _stamps[slot] != minuteMs || _minutes[slot].Count == 0)
        {
            return true;
        }

        if (_kept is null || _executions is null || _kept[slot] == NotKept)
        {
            return false;
        }

        executions = _executions.AsSpan(slot * MaxKeptExecutions, _kept[slot]);
        return true;
    }

    private static byte[] NewKept(int capacity)
    {
        var kept = new byte[capacity];
        Array.Fill(kept, NotKept);
        return kept;
    }

    private int Slot(long minuteMs)
    {
        var index = (minuteMs / MinuteMs) % _capacity;
        return (int)(index < 0 ? index + _capacity : index);
    }
}
