using Vigil.Performance.Slos;

namespace Vigil.Performance.Tests.Slos;

/// <summary>Issue 13, item 6: burn rates, the error budget and the workbook's page and ticket conditions.</summary>
public sealed class SloStatusTests
{
    private static readonly SloDefinition Errors = new("API errors", SloKind.Errors, "http_request_duration_ms", new Dictionary<string, string>(), null, null, null, 99.9, 30, true);

    [Fact]
    public void BurnRate_BadShareOverTheAllowedShare()
    {
        Assert.Equal(1, new EventCount(999, 1000).BurnRate(0.001)!.Value, 9);
        Assert.Equal(14.4, new EventCount(9856, 10000).BurnRate(0.001)!.Value, 9);
        Assert.Null(new EventCount(0, 0).BurnRate(0.001));
    }

    [Theory]
    [InlineData(15, 15, 0, 0, 0, true, false)]     // fast burn over 1 h and 5 min: page
    [InlineData(15, 2, 0, 0, 0, false, false)]     // the last 5 minutes are fine again: no page
    [InlineData(0, 0, 7, 7, 0, true, false)]       // 6x over 6 h and 30 min: page
    [InlineData(0, 0, 0, 1.5, 1.2, false, true)]   // 1x over 3 days and 6 h: ticket
    [InlineData(0, 0, 0, 0.5, 1.2, false, false)]  // the last 6 hours are under 1x: nothing
    public void Page_AndTicket_TheWorkbookWindows(double oneHour, double fiveMinutes, double thirtyMinutes, double sixHours, double threeDays, bool page, bool ticket)
    {
        var rates = new BurnRates(fiveMinutes, thirtyMinutes, oneHour, sixHours, threeDays);

        Assert.Equal(page, rates.Page);
        Assert.Equal(ticket, rates.Ticket);
    }

    [Fact]
    public void Of_SliAndBudgetLeft_OverTheWindow()
    {
        var status = SloStatus.Of(Errors, new EventCount(99_950, 100_000), default, default, default, default, default, DateTimeOffset.UnixEpoch);

        Assert.Equal(99.95, status.SliPercent);
        Assert.Equal(50, status.BudgetRemainingPercent); // 50 bad of the 100 allowed
        Assert.Null(status.Alerting);
        Assert.Null(status.BurnRates.FiveMinutes);
    }

    [Fact]
    public void Of_FastBurn_AlertingPage()
    {
        var burst = new EventCount(900, 1000); // 10 % bad: 100x
        var status = SloStatus.Of(Errors, burst, burst, burst, burst, burst, burst, DateTimeOffset.UnixEpoch);

        Assert.Equal("page", status.Alerting);
        Assert.Equal(100, status.BurnRates.OneHour!.Value, 6);
        Assert.True(status.BudgetRemainingPercent < 0);
    }
}
