using Vigil.Core.Metrics;
using Vigil.Performance.Regressions;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Tests.Regressions;

/// <summary>
/// Issue 13, item 2 ("kept per hour-of-week where there is enough history"), for an operation
/// without a baseline of this hour of the week: what it usually does at the hours a step covers,
/// from its hourly sums (<see cref="RegressionMonitor.UsualAt"/>), which a step must also leave.
/// </summary>
public sealed class UsualAtTests
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;

    // 2026-11-23 is a Monday: day 5 after it is a Saturday.
    private static readonly long MondayMs = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void JobSlowerEveryNight_AStepAtNight_ComparedWithTheSameHoursOfTheNightsBefore()
    {
        // Four runs an hour, 200 ms from midnight to six, 100 ms by day, for three days.
        var hours = Hours(3 * 24, 4, hourMs => (hourMs % DayMs) < 6 * HourMs ? 200 : 100);

        var usual = RegressionMonitor.UsualAt("job", hours, MondayMs + (2 * DayMs) + (30 * 60_000), MondayMs + (2 * DayMs) + (100 * 60_000), minExecutions: 10);

        var night = Assert.Single(usual); // the same hours of the two days before; no week yet
        Assert.Equal(16, night.Executions);
        Assert.InRange(night.P50Ms!.Value, 198, 202);
    }

    [Fact]
    public void HourlyJobSlowerOnSaturdays_AStepOnASaturday_ComparedWithTheSaturdaysBefore_AndTheDaysBefore()
    {
        // One run an hour for three weeks and five days: 200 ms on Saturdays, else 100 ms.
        var hours = Hours((3 * 7 * 24) + (5 * 24), 1, hourMs => ((hourMs - MondayMs) / DayMs % 7) == 5 ? 200 : 100);
        var saturdayMs = MondayMs + (26 * DayMs);

        var usual = RegressionMonitor.UsualAt("job", hours, saturdayMs, saturdayMs + (7 * HourMs), minExecutions: 10);

        Assert.Equal(2, usual.Count);
        var days = usual.Single(b => b.Slot == -3);
        var weeks = usual.Single(b => b.Slot == -2);
        Assert.Equal(14 * 8, days.Executions);
        Assert.InRange(days.P50Ms!.Value, 99, 101); // of fourteen days, two Saturdays
        Assert.Equal(3 * 8, weeks.Executions);
        Assert.InRange(weeks.P50Ms!.Value, 198, 202);
    }

    [Fact]
    public void HoursFromTheStepOn_NotTaken_OnlyThoseBefore()
    {
        // Four runs an hour: 100 ms for twelve days, then 200 ms for eight; the step found a week on.
        var stepMs = MondayMs + (12 * DayMs);
        var hours = Hours(20 * 24, 4, hourMs => hourMs >= stepMs ? 200 : 100);

        var usual = RegressionMonitor.UsualAt("job", hours, stepMs, MondayMs + (19 * DayMs) + (10 * HourMs), minExecutions: 10);

        // The last 24 hours (day 18 11:00 to day 19 10:00) a day to fourteen days back, and a week and
        // two back: of day 11 11:00 to day 12 10:00 only the 13 hours before the step.
        Assert.Equal(2, usual.Count);
        Assert.Equal(4 * (13 + (7 * 24)), usual.Single(b => b.Slot == -3).Executions);
        Assert.Equal(4 * (13 + 24), usual.Single(b => b.Slot == -2).Executions);
        Assert.All(usual, b => Assert.InRange(b.P50Ms!.Value, 99, 101));
    }

    [Theory]
    [InlineData(3, 1, 0)] // an hourly job over three days: six runs in the step's two hours
    [InlineData(1, 4, 0)] // a single day before
    [InlineData(3, 4, 1)]
    public void TooFewExecutionsOrDays_NoneTaken(int days, int perHour, int expected)
    {
        var hours = Hours(days * 24, perHour, _ => 100);
        var endMs = MondayMs + (days * DayMs) + (90 * 60_000);

        Assert.Equal(expected, RegressionMonitor.UsualAt("job", hours, endMs - (80 * 60_000), endMs, minExecutions: 10).Count);
    }

    /// <summary>Hourly sums from <see cref="MondayMs"/> on: <paramref name="perHour"/> executions each, all of <paramref name="ms"/>(hour).</summary>
    private static List<StoredOperationHour> Hours(int count, int perHour, Func<long, double> ms)
    {
        var hours = new List<StoredOperationHour>(count);
        for (var i = 0; i < count; i++)
        {
            var hourMs = MondayMs + (i * HourMs);
            var value = ms(hourMs);
            hours.Add(new StoredOperationHour("job", hourMs, perHour, 0, perHour * value, value, value, [SketchMapping.Pack(SketchMapping.Code(value), (uint)perHour)]));
        }

        return hours;
    }
}
