using Vigil.Performance.Slos;

namespace Vigil.Performance.Tests.Slos;

/// <summary>Issue 13, item 7: an objective's error-budget burn-down over its window.</summary>
public sealed class SloBurnDownTests
{
    private const long HourMs = 3_600_000;

    private static readonly SloDefinition Errors = new("API errors", SloKind.Errors, "m", new Dictionary<string, string>(), null, null, null, 99, 1, true);

    [Fact]
    public void Of_BadHoursSpendTheBudget_LastPointIsWhatIsLeft()
    {
        // A 1-day window of 99 %: 4 hours of 1 000 events; 10 bad in the second, 20 in the fourth (allowed: 1 % of 4 000 = 40).
        var toMs = 100 * HourMs;
        var hours = new[] { (96 * HourMs, 1000.0, 1000.0), (97 * HourMs, 990.0, 1000.0), (98 * HourMs, 1000.0, 1000.0), (99 * HourMs, 980.0, 1000.0) };

        var points = SloBurnDown.Of(Errors, hours.Reverse(), toMs);

        Assert.Equal([76 * HourMs, 97 * HourMs, 98 * HourMs, 99 * HourMs, 100 * HourMs], points.Select(p => p.AtMs));
        Assert.Equal([100, 100, 75, 75, 25], points.Select(p => p.RemainingPercent));
        Assert.Equal(100, points[0].EvenPercent);
        Assert.Equal(100.0 * 3 / 24, points[1].EvenPercent, 2);
        Assert.Equal(0, points[^1].EvenPercent);
    }

    [Fact]
    public void Of_Overspent_GoesBelowZero()
    {
        var points = SloBurnDown.Of(Errors, [(10 * HourMs, 900.0, 1000.0)], 11 * HourMs);

        Assert.Equal(100 * (1 - (100 / 10.0)), points[^1].RemainingPercent, 6);
    }

    [Fact]
    public void Of_NoEventsOrHoursOutsideTheWindow_Empty()
    {
        Assert.Empty(SloBurnDown.Of(Errors, [], 50 * HourMs));
        Assert.Empty(SloBurnDown.Of(Errors, [(10 * HourMs, 0.0, 0.0)], 11 * HourMs));
        Assert.Empty(SloBurnDown.Of(Errors, [(10 * HourMs, 5.0, 5.0)], 40 * HourMs)); // 30 hours ago: outside a 1-day window
    }
}
