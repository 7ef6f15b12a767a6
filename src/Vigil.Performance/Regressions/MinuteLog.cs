namespace Vigil.Performance.Regressions;

/// <summary>One operation's executions in one minute: how many, their total duration, and their median and 95th percentile.</summary>
/// <param name="Count">Executions.</param>
/// <param name="Sum">Sum of durations, ms.</param>
/// <param name="P50">Median duration, ms.</param>
/// <param name="P95">95th percentile, ms.</param>
public readonly record struct MinuteSummary(int Count, float Sum, float P50, float P95);

/// <summary>
/// The last minutes of one operation, a ring of <see cref="MinuteSummary"/> indexed by the
/// minute's start (16 bytes a minute: four hours are under 4 KB). Minutes never set, or set
/// longer ago than the capacity, read as empty. Not thread-safe.
/// </summary>
public sealed class MinuteLog
{
    private const long MinuteMs = 60_000;
    private readonly MinuteSummary[] _minutes;
    private readonly long[] _stamps;

    /// <summary>A log of the last <paramref name="capacity"/> minutes.</summary>
    public MinuteLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _minutes = new MinuteSummary[capacity];
        _stamps = new long[capacity];
        Array.Fill(_stamps, long.MinValue);
    }

    /// <summary>How many minutes the log holds.</summary>
    public int Capacity => _minutes.Length;

    /// <summary>The start of the latest minute set, or null before the first.</summary>
    public long? LatestMs { get; private set; }

    /// <summary>Sets the minute starting at <paramref name="minuteMs"/> (a multiple of a minute).</summary>
    public void Set(long minuteMs, MinuteSummary summary)
    {
        var slot = Slot(minuteMs);
        _minutes[slot] = summary;
        _stamps[slot] = minuteMs;
        if (LatestMs is not { } latest || minuteMs > latest)
        {
            LatestMs = minuteMs;
        }
    }

    /// <summary>The minute starting at <paramref name="minuteMs"/>, or an empty one.</summary>
    public MinuteSummary Get(long minuteMs)
    {
        var slot = Slot(minuteMs);
        return _stamps[slot] == minuteMs ? _minutes[slot] : default;
    }

    private int Slot(long minuteMs)
    {
        var index = (minuteMs / MinuteMs) % _minutes.Length;
        return (int)(index < 0 ? index + _minutes.Length : index);
    }
}
