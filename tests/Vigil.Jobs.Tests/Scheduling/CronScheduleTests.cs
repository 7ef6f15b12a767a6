using System.Globalization;
using Vigil.Jobs.Scheduling;

namespace Vigil.Jobs.Tests.Scheduling;

/// <summary>Due times from cron expressions and time zones, and settings that do not parse.</summary>
public sealed class CronScheduleTests
{
    [Theory]
    [InlineData("*/5 * * * *", "2026-01-01T12:03:00Z", "2026-01-01T12:05:00Z")]
    [InlineData("*/5 * * * *", "2026-01-01T12:05:00Z", "2026-01-01T12:10:00Z")]
    [InlineData("*/30 * * * *", "2026-01-01T12:31:00Z", "2026-01-01T13:00:00Z")]
    [InlineData("0 * * * *", "2026-01-01T12:00:01Z", "2026-01-01T13:00:00Z")]
    [InlineData("0 2 * * *", "2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z")]
    [InlineData("0 2 * * *", "2025-12-31T23:59:00Z", "2026-01-01T02:00:00Z")]
    [InlineData("@hourly", "2026-01-01T12:59:59Z", "2026-01-01T13:00:00Z")]
    public void NextAfter_Utc_FirstOccurrenceStrictlyAfter(string cron, string after, string expected)
    {
        var schedule = CronSchedule.Parse("s", new ScheduleOptions { Cron = cron });

        Assert.Equal(Parse(expected), schedule.NextAfter(Parse(after)));
    }

    [Theory]
    [InlineData("2026-01-10T12:00:00Z", "2026-01-11T01:00:00Z")] // CET, UTC+1
    [InlineData("2026-07-10T12:00:00Z", "2026-07-11T00:00:00Z")] // CEST, UTC+2
    [InlineData("2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z")] // 02:00 does not exist that night: run at the jump (03:00 CEST)
    public void NextAfter_TimeZone_DailyAtTwoLocalTime(string after, string expected)
    {
        var schedule = CronSchedule.Parse("cleanup", new ScheduleOptions { Cron = "0 2 * * *", TimeZone = "Europe/Paris" });

        Assert.Equal(Parse(expected), schedule.NextAfter(Parse(after)));
    }

    [Theory]
    [InlineData("every day")]
    [InlineData("61 * * * *")]
    [InlineData("* * * *")]
    [InlineData("")]
    public void Parse_BadCron_MessageNamesTheSetting(string cron)
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse("cleanup", new ScheduleOptions { Cron = cron }));

        Assert.StartsWith("Vigil:Schedules:cleanup:Cron", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTimeZone_MessageNamesTheSetting()
    {
        var error = Assert.Throws<FormatException>(() => CronSchedule.Parse("cleanup", new ScheduleOptions { Cron = "0 2 * * *", TimeZone = "Mars/Olympus" }));

        Assert.StartsWith("Vigil:Schedules:cleanup:TimeZone 'Mars/Olympus'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AreTheSeedCronJobs()
    {
        Assert.Equal(
            [("health-check", "*/5 * * * *"), ("aggregation", "3,33 * * * *"), ("dead-letter-retry", "0 * * * *"), ("cleanup", "0 2 * * *")],
            BuiltInSchedules.Defaults);
    }

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
