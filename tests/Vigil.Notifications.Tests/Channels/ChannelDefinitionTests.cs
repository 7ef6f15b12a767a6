using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;

namespace Vigil.Notifications.Tests.Channels;

public sealed class ChannelDefinitionTests
{
    private static readonly ChannelDefinition Plain = new("ch", "c", ChannelType.InApp, new InAppChannelConfig());

    [Theory]
    [InlineData(Severity.Info)]
    [InlineData(Severity.Critical)]
    public void NextSendTime_NoRouting_IsNow(Severity severity)
    {
        var now = new DateTimeOffset(2026, 11, 23, 18, 7, 0, TimeSpan.Zero);

        Assert.Equal(now, Plain.NextSendTime(severity, now));
    }

    [Theory]
    [InlineData(Severity.Info, "2026-11-23T18:15:00Z")]
    [InlineData(Severity.Warning, "2026-11-23T18:15:00Z")]
    [InlineData(Severity.Error, "2026-11-23T18:07:00Z")]
    [InlineData(Severity.Critical, "2026-11-23T18:07:00Z")]
    public void NextSendTime_Digest_BatchesInfoAndWarningToTheNextBoundary(Severity severity, string expected)
    {
        var channel = Plain with { DigestMinutes = 15 };

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), channel.NextSendTime(severity, new DateTimeOffset(2026, 11, 23, 18, 7, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void NextSendTime_OnADigestBoundary_IsNow()
    {
        var now = new DateTimeOffset(2026, 11, 23, 18, 15, 0, TimeSpan.Zero);

        Assert.Equal(now, (Plain with { DigestMinutes = 15 }).NextSendTime(Severity.Warning, now));
    }

    [Theory]
    [InlineData("2026-11-23T22:30:00Z", Severity.Warning, "2026-11-24T06:00:00Z")] // 23:30 in Paris: held until 07:00 Paris
    [InlineData("2026-11-24T05:59:00Z", Severity.Error, "2026-11-24T06:00:00Z")]   // 06:59 in Paris
    [InlineData("2026-11-24T06:00:00Z", Severity.Warning, "2026-11-24T06:00:00Z")] // 07:00 in Paris: the window is over
    [InlineData("2026-11-23T18:00:00Z", Severity.Info, "2026-11-23T18:00:00Z")]    // 19:00 in Paris: outside
    [InlineData("2026-11-23T22:30:00Z", Severity.Critical, "2026-11-23T22:30:00Z")] // critical is never held
    public void NextSendTime_QuietHoursAcrossMidnight_HoldsNonCriticalUntilTheEnd(string now, Severity severity, string expected)
    {
        var channel = Plain with { QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/Paris") };
        var culture = System.Globalization.CultureInfo.InvariantCulture;

        Assert.Equal(DateTimeOffset.Parse(expected, culture), channel.NextSendTime(severity, DateTimeOffset.Parse(now, culture)));
    }

    [Fact]
    public void NextSendTime_QuietHoursAndDigest_SendsWithTheFirstDigestAfterTheWindow()
    {
        var channel = Plain with { DigestMinutes = 45, QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "UTC") };

        var at = channel.NextSendTime(Severity.Info, new DateTimeOffset(2026, 11, 23, 23, 0, 0, TimeSpan.Zero));

        // 07:00 is not a multiple of 45 minutes since the epoch; 07:30 is.
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 7, 30, 0, TimeSpan.Zero), at);
    }
}
