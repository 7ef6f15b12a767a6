using Vigil.Core.Baselines;

namespace Vigil.Core.Tests.Baselines;

public sealed class RobustStatisticsTests
{
    [Fact]
    public void Of_OddCountWithAnOutlier_IgnoresTheOutlier()
    {
        // Deviations from 3: 2, 1, 0, 1, 97 → median 1; at or below 3: {1, 2, 3} → 3 − 2; at or above: {3, 4, 100} → 4 − 3.
        Assert.Equal((3.0, 1.0, 1.0, 1.0), RobustStatistics.Of([1, 2, 3, 4, 100]));
    }

    [Fact]
    public void Of_EvenCount_AveragesTheMiddlePair()
    {
        Assert.Equal((2.5, 1.0, 1.0, 1.0), RobustStatistics.Of([1, 2, 3, 4]));
    }

    [Fact]
    public void Of_SkewedValues_SpreadsFurtherAbove()
    {
        var (median, mad, lower, upper) = RobustStatistics.Of([9, 10, 10, 11, 14, 18, 30]);

        Assert.Equal(11, median);
        Assert.Equal(2, mad); // deviations 2, 1, 1, 0, 3, 7, 19: sorted, the fourth is 2
        Assert.Equal(1, lower); // {9, 10, 10, 11}: median 10
        Assert.Equal(5, upper); // {11, 14, 18, 30}: median 16
    }

    [Fact]
    public void Of_Single_IsItselfWithNoSpread()
    {
        Assert.Equal((7.0, 0.0, 0.0, 0.0), RobustStatistics.Of([7]));
    }

    [Fact]
    public void Of_MatchesABruteForceMad_OnRandomSamples()
    {
        var random = new Random(21);
        for (var trial = 0; trial < 200; trial++)
        {
            var values = Enumerable.Range(0, random.Next(1, 60)).Select(_ => Math.Round(random.NextDouble() * 20, 1)).Order().ToArray();
            var median = Median(values);

            var (m, mad, _, _) = RobustStatistics.Of(values);

            Assert.Equal(median, m);
            Assert.Equal(Median([.. values.Select(v => Math.Abs(v - median)).Order()]), mad, 9);
        }
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
