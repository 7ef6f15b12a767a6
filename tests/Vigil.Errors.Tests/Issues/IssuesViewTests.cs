using Vigil.Errors.Issues;

namespace Vigil.Errors.Tests.Issues;

/// <summary>The issue page's timelines: the last two hours per five minutes, and the kept events in the smallest unit that needs at most 48 bars.</summary>
public sealed class IssuesViewTests
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;
    private const long T0 = 20_000 * Day; // midnight UTC

    [Fact]
    public void Recent_MinutesOfTwoHours_SummedPerFiveMinutes()
    {
        var timeline = IssuesView.Recent(T0, [(T0, 2), (T0 + (4 * Minute), 3), (T0 + (5 * Minute), 1), (T0 + (119 * Minute), 7)]);

        Assert.Equal(24, timeline.Counts.Count);
        Assert.Equal(TimeSpan.FromMinutes(5), timeline.Bucket);
        Assert.Equal((5L, 1L, 7L), (timeline.Counts[0], timeline.Counts[1], timeline.Counts[23]));
        Assert.Equal(13, timeline.Total);
    }

    [Theory]
    [InlineData(10 * Hour, 60, 11)]          // ten hours: per hour
    [InlineData(30 * Day, 24 * 60, 31)]      // a month: per day (per 6 hours would be 121 bars)
    [InlineData(365 * Day, 7 * 24 * 60, 48)] // a year: per week, the latest 48
    public void Timeline_KeptEvents_SmallestUnitWithAtMost48Bars(long span, int unitMinutes, int bars)
    {
        long[] received = [T0, T0 + (span / 2), T0 + span];

        var timeline = IssuesView.Timeline(received)!;

        Assert.Equal(TimeSpan.FromMinutes(unitMinutes), timeline.Bucket);
        Assert.Equal(bars, timeline.Counts.Count);
        Assert.Equal(1, timeline.Counts[^1]); // the latest event is in the last bar
        Assert.Equal(bars < 48 ? 3 : 2, timeline.Total); // past 48 bars, the oldest fall out
        Assert.True(timeline.From.ToUnixTimeMilliseconds() <= T0 + span - ((bars - 1) * unitMinutes * Minute));
    }

    [Fact]
    public void Timeline_NoEvents_Null() => Assert.Null(IssuesView.Timeline([]));
}
