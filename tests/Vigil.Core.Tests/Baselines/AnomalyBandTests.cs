using Vigil.Core.Baselines;
using static Vigil.Core.Tests.Baselines.SyntheticSeries;

namespace Vigil.Core.Tests.Baselines;

public sealed class AnomalyBandTests
{
    private static readonly long Week3 = StartMs + (3 * WeekMs);

    // Measured over seeds 11, 31, 32 at medium: 60, 60, 60 of 60 minutes at the peak (noise σ 0.06, band ≈ center × 1.26–1.30);
    // 55, 58, 59 at the trough (σ 0.12, band ≈ center × 1.42–1.51). Low catches 33–47 at the trough, high 59–60.
    [Theory]
    [InlineData(1 * 24 + 14, 11, 58, "peak: Tuesday 14:00")]
    [InlineData(6 * 24 + 3, 11, 50, "trough: Sunday 03:00")]
    [InlineData(1 * 24 + 14, 31, 58, "peak: Tuesday 14:00")]
    [InlineData(6 * 24 + 3, 31, 50, "trough: Sunday 03:00")]
    public void Band_LatencyStepOf1Point8_IsFlaggedAtMediumSensitivity(int hourOfWeek, int seed, int atLeast, string where)
    {
        var series = new SyntheticSeries(seed);
        var stepFrom = Week3 + (hourOfWeek * HourMs);
        var baseline = SeasonalBaselineTests.Fill(new SeasonalBaseline(), series, StartMs, stepFrom);

        var flags = Replay(baseline, series, stepFrom, stepFrom + HourMs, AnomalySensitivity.Medium, v => v * 1.8);

        Assert.True(flags.Count(f => f) >= atLeast, $"{where}: {flags.Count(f => f)} of {flags.Count} minutes above the band");
        Assert.True(flags.Take(5).Count(f => f) >= 3, $"{where}: a 3-of-5 rule would not fire within 5 minutes"); // issue 12's N of M
    }

    [Fact]
    public void Band_CleanWeek_RarelyFlagsNoise()
    {
        var series = new SyntheticSeries(seed: 12);
        var baseline = SeasonalBaselineTests.Fill(new SeasonalBaseline(), series, StartMs, Week3);
        var outside = new Dictionary<AnomalySensitivity, int>();
        var minutes = 0;
        foreach (var (ms, value) in series.Minutes(Week3, Week3 + WeekMs))
        {
            var estimate = baseline.AsOf(ms)!;
            foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
            {
                outside[sensitivity] = outside.GetValueOrDefault(sensitivity) + (estimate.Band(sensitivity).IsOutside(value) ? 1 : 0);
            }

            baseline.Add(ms, value);
            minutes++;
        }

        // Single minutes outside the band over 10 080 clean minutes, measured for seeds 12, 33, 34: low 1, 0, 0;
        // medium 9, 7, 6 (under 0.1 %); high 61, 51, 45 (about 0.5 %). These are lone minutes: a rule that needs the
        // condition in several of the last minutes (issue 12, item 3) turns them into fewer still.
        Assert.Equal(10_080, minutes);
        Assert.True(outside[AnomalySensitivity.Low] <= 5, $"low: {outside[AnomalySensitivity.Low]}");
        Assert.True(outside[AnomalySensitivity.Medium] <= 20, $"medium: {outside[AnomalySensitivity.Medium]} (0.2 %)");
        Assert.True(outside[AnomalySensitivity.High] <= 100, $"high: {outside[AnomalySensitivity.High]} (1 %)");
        Assert.True(outside[AnomalySensitivity.High] >= outside[AnomalySensitivity.Medium] && outside[AnomalySensitivity.Medium] >= outside[AnomalySensitivity.Low]);
    }

    [Fact]
    public void Band_NearlyConstantSeries_UsesTheMinimumRelativeChange()
    {
        var baseline = new SeasonalBaseline();
        var random = new Random(13);
        for (var ms = StartMs; ms < StartMs + (2 * WeekMs); ms += 60_000)
        {
            baseline.Add(ms, 100 + (random.NextDouble() * 0.2)); // ±0.1 % around 100
        }

        var estimate = baseline.AsOf(StartMs + (2 * WeekMs))!;
        var band = estimate.Band(AnomalySensitivity.Medium);

        Assert.True(estimate.Spread < 0.1);
        Assert.Equal(estimate.Center * 0.8, band.Lower, 9);
        Assert.Equal(estimate.Center * 1.2, band.Upper, 9);
        Assert.False(band.IsOutside(110)); // noise-sized changes of a flat series do not alert
        Assert.True(band.IsAbove(125));
        Assert.True(band.IsBelow(75));
    }

    [Fact]
    public void Band_ZeroCenter_UsesTheMinimumAbsoluteChange()
    {
        var estimate = new BaselineEstimate(0, 0, 0, 0, 100, 5, BaselineLevel.HourOfWeek, 3, 0, 1);

        var band = estimate.Band(AnomalySensitivity.High, minAbsoluteChange: 2);

        Assert.Equal(new AnomalyBand(-2, 2), band);
        Assert.False(band.IsAbove(1));
        Assert.True(band.IsAbove(2.5));
    }

    [Fact]
    public void Band_SkewedSpread_IsWiderAboveThanBelow()
    {
        var estimate = new BaselineEstimate(100, 10, 5, 20, 100, 5, BaselineLevel.HourOfWeek, 3, 0, 1);

        var band = estimate.Band(AnomalySensitivity.High);

        Assert.Equal(new AnomalyBand(85, 160), band);
    }

    [Fact]
    public void PercentChange_WeekendTroughSurge_IsJudgedAgainstThatHour()
    {
        var series = new SyntheticSeries(seed: 14);
        var saturday0330 = Week3 + (5 * DayMs) + (3 * HourMs) + (30 * 60_000);
        var baseline = SeasonalBaselineTests.Fill(new SeasonalBaseline(), series, StartMs, saturday0330);
        var weeklyMean = series.Minutes(StartMs, Week3).Average(v => v.Value);
        var estimate = baseline.AsOf(saturday0330)!;
        var ordinary = series.Next(saturday0330);
        var surge = 3 * series.Level(saturday0330);

        Assert.Equal(BaselineLevel.HourOfWeek, estimate.Level);
        Assert.InRange(estimate.PercentChange(ordinary)!.Value, -20, 20);
        Assert.InRange(estimate.PercentChange(surge)!.Value, 170, 230);
        Assert.True(estimate.Band(AnomalySensitivity.Low).IsAbove(surge));

        // Against one number for the whole week, the surge is not even above the mean.
        Assert.True(surge < weeklyMean, $"surge {surge:F1}, weekly mean {weeklyMean:F1}");
    }

    [Fact]
    public void PercentChange_ZeroCenter_HasNone()
    {
        var estimate = new BaselineEstimate(0, 0, 0, 0, 100, 5, BaselineLevel.Flat, 0, 0, 1);

        Assert.Null(estimate.PercentChange(5));
        Assert.Equal(-50, (estimate with { Center = -10 }).PercentChange(-15));
    }

    /// <summary>Judges every minute against the baseline as of that minute, then adds it: as a live engine does.</summary>
    private static List<bool> Replay(SeasonalBaseline baseline, SyntheticSeries series, long fromMs, long toMs, AnomalySensitivity sensitivity, Func<double, double> change)
    {
        var flags = new List<bool>();
        foreach (var (ms, value) in series.Minutes(fromMs, toMs))
        {
            var observed = change(value);
            flags.Add(baseline.AsOf(ms)!.Band(sensitivity).IsAbove(observed));
            baseline.Add(ms, observed);
        }

        return flags;
    }
}
