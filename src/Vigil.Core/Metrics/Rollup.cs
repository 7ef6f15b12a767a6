namespace Vigil.Core.Metrics;

/// <summary>A persisted 1-minute summary of one series.</summary>
/// <param name="MinuteStartMs">Start of the minute, Unix milliseconds.</param>
/// <param name="Count">Number of points.</param>
/// <param name="Sum">Sum of values.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Last">Value of the latest point.</param>
/// <param name="LastOffsetMs">Offset of the latest point from the minute's start.</param>
/// <param name="Bins">Packed sketch bins (timings), or null.</param>
public sealed record Rollup(long MinuteStartMs, long Count, double Sum, double Min, double Max, double Last, int LastOffsetMs, uint[]? Bins)
{
    /// <summary>The rollup of the points of both (same minute).</summary>
    public Rollup Merge(Rollup other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var otherIsLater = other.LastOffsetMs >= LastOffsetMs;
        return new Rollup(
            MinuteStartMs,
            Count + other.Count,
            FiniteValues.Add(Sum, other.Sum),
            Math.Min(Min, other.Min),
            Math.Max(Max, other.Max),
            otherIsLater ? other.Last : Last,
            Math.Max(LastOffsetMs, other.LastOffsetMs),
            Bins is null ? other.Bins : other.Bins is null ? Bins : [.. Bins, .. other.Bins]);
    }
}
