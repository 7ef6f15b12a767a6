using Vigil.Monitoring.StatusPage;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Tests.StatusPage;

/// <summary>The status page's banner and daily bars, by table.</summary>
public sealed class StatusPageReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("", "operational")]
    [InlineData("up,up", "operational")]
    [InlineData("up,paused,unknown", "operational")]
    [InlineData("up,maintenance", "maintenance")]
    [InlineData("up,degraded,maintenance", "degraded")]
    [InlineData("up,down,degraded", "partial_outage")]
    [InlineData("down,down,paused,maintenance", "major_outage")]
    [InlineData("down", "major_outage")]
    public void OverallOf_States_Banner(string states, string expected)
    {
        var monitors = states.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => new PublicMonitorStatus(s, s, null, new Dictionary<string, double?>(), []))
            .ToList();

        Assert.Equal(expected, StatusPageReader.OverallOf(monitors));
    }

    [Fact]
    public void DaysOf_NinetyDaysOldestFirst_EmptyWithoutChecks_DownTimeByInterval()
    {
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        var first = today.AddDays(1 - StatusPageReader.Days);
        long StartOf(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

        var days = StatusPageReader.DaysOf(
            [new DailyUptime(StartOf(today.AddDays(-2)), 1440, 3), new DailyUptime(StartOf(today.AddDays(-1)), 10, 10), new DailyUptime(StartOf(today), 1000, 1000)],
            first, intervalSeconds: 60, Now);

        Assert.Equal(90, days.Count);
        Assert.Equal((first, null, 0), (days[0].Date, days[0].Percent, days[0].DownMinutes));
        Assert.Equal((99.792, 3), (days[87].Percent!.Value, days[87].DownMinutes));
        Assert.Equal((0.0, 10), (days[88].Percent!.Value, days[88].DownMinutes));
        // Never more than the day so far: 06:00 is 360 minutes into today.
        Assert.Equal((today, 360), (days[89].Date, days[89].DownMinutes));
    }
}
