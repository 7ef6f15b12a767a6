using Vigil.Core.Baselines;

namespace Vigil.Core.Tests.Baselines;

public sealed class CountingTailsTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(120)]
    [InlineData(399)]
    public void Poisson_UpToExact_CountsAreTheFirstOnesAsImprobableAsTheSensitivity(double expected)
    {
        foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
        {
            var tail = CountingTails.TailProbability(sensitivity);

            var (low, high) = CountingTails.Poisson(expected, sensitivity);

            // Summed in log space here, independently of the walk under test.
            Assert.True(UpperTail(expected, high) <= tail, $"P(X ≥ {high} | {expected}) ≤ {tail} at {sensitivity}");
            Assert.True(UpperTail(expected, high - 1) > tail, $"P(X ≥ {high - 1} | {expected}) > {tail} at {sensitivity}");
            Assert.True(low < 0 || LowerTail(expected, low) <= tail, $"P(X ≤ {low} | {expected}) ≤ {tail} at {sensitivity}");
            Assert.True(LowerTail(expected, low + 1) > tail, $"P(X ≤ {low + 1} | {expected}) > {tail} at {sensitivity}");
        }
    }

    [Theory]
    [InlineData(401)]
    [InlineData(1000)]
    [InlineData(5000)]
    [InlineData(40000)]
    public void Poisson_BeyondExact_TheApproximationIsWithinOneCount(double expected)
    {
        foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
        {
            var tail = CountingTails.TailProbability(sensitivity);

            var (low, high) = CountingTails.Poisson(expected, sensitivity);

            var exactHigh = (long)expected;
            while (UpperTail(expected, exactHigh) > tail)
            {
                exactHigh++;
            }

            var exactLow = (long)expected;
            while (LowerTail(expected, exactLow) > tail)
            {
                exactLow--;
            }

            Assert.InRange(high, exactHigh - 1, exactHigh + 1);
            Assert.InRange(low, exactLow - 1, exactLow + 1);
        }
    }

    [Theory]
    [InlineData(0, 15, 0.5, AnomalySensitivity.Medium, true)] // 3.05e-5: every one of 15 above the median
    [InlineData(1, 15, 0.5, AnomalySensitivity.Medium, false)] // 4.9e-4
    [InlineData(1, 15, 0.5, AnomalySensitivity.High, true)]
    [InlineData(2, 15, 0.5, AnomalySensitivity.High, false)] // 3.7e-3
    [InlineData(0, 15, 0.5, AnomalySensitivity.Low, false)] // 15 points can never be as improbable as 1e-9
    [InlineData(1, 19, 0.5, AnomalySensitivity.Medium, false)] // 3.8e-5
    [InlineData(10, 50, 0.5, AnomalySensitivity.Medium, true)] // 1.2e-5
    [InlineData(11, 50, 0.5, AnomalySensitivity.Medium, false)] // 4.5e-5
    [InlineData(12, 20, 0.95, AnomalySensitivity.Medium, true)] // a p95: 2.9e-6
    [InlineData(13, 20, 0.95, AnomalySensitivity.Medium, false)] // 3.4e-5
    [InlineData(83, 100, 0.95, AnomalySensitivity.Medium, true)] // 9.4e-6
    [InlineData(84, 100, 0.95, AnomalySensitivity.Medium, false)] // 3.7e-5
    [InlineData(700, 1600, 0.5, AnomalySensitivity.Medium, true)] // 3.2e-7, summed exactly from 0.5^1600
    [InlineData(4799, 10000, 0.5, AnomalySensitivity.Medium, true)] // beyond exact: 4 σ below 5 000, with half a count of continuity
    [InlineData(4800, 10000, 0.5, AnomalySensitivity.Medium, false)]
    [InlineData(-1, 10, 0.5, AnomalySensitivity.High, false)]
    [InlineData(0, 10, 0, AnomalySensitivity.High, false)] // nothing can succeed: 0 is certain
    [InlineData(9, 10, 1, AnomalySensitivity.Low, true)] // everything succeeds: 9 of 10 is impossible
    public void IsImprobablyFew_ExactBinomialTailAtTheSensitivity(long count, long trials, double probability, AnomalySensitivity sensitivity, bool improbable)
    {
        Assert.Equal(improbable, CountingTails.IsImprobablyFew(count, trials, probability, sensitivity));

        // The same question from the other side: as many failures among the trials.
        Assert.Equal(improbable, CountingTails.IsImprobablyMany(trials - count, trials, 1 - probability, sensitivity));
    }

    [Fact]
    public void IsImprobablyFewOrMany_NotAProbability_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CountingTails.IsImprobablyFew(1, 10, double.NaN, AnomalySensitivity.Medium));
        Assert.Throws<ArgumentOutOfRangeException>(() => CountingTails.IsImprobablyMany(1, 10, double.NaN, AnomalySensitivity.Medium));
    }

    [Fact]
    public void Poisson_NothingExpected_OneIsAlreadyImprobable()
    {
        Assert.Equal((-1L, 1L), CountingTails.Poisson(0, AnomalySensitivity.Medium));
    }

    [Fact]
    public void Binomial_ErrorsAmongRequests_AsPoissonOfTheExpectedErrors()
    {
        // 2 000 requests at 1 % errors: 20 expected; the binomial is a little narrower than the
        // Poisson, which the band keeps while a count is small enough to sum exactly.
        Assert.Equal(CountingTails.Poisson(20, AnomalySensitivity.High), CountingTails.Binomial(2000, 0.01, AnomalySensitivity.High));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Poisson_NotAnExpectedCount_Throws(double expected)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CountingTails.Poisson(expected, AnomalySensitivity.Medium));
    }

    // P(X ≥ c) and P(X ≤ c) for X ~ Poisson(λ), summed from log P(X = k) = −λ + k ln λ − ln k!.
    private static double UpperTail(double lambda, long c)
    {
        if (c <= 0)
        {
            return 1;
        }

        double sum = 0;
        for (var k = c; k <= Math.Max(c, lambda) + (20 * Math.Sqrt(lambda)) + 40; k++)
        {
            sum += Math.Exp(LogPmf(lambda, k));
        }

        return sum;
    }

    private static double LowerTail(double lambda, long c)
    {
        double sum = 0;
        for (var k = Math.Max(0, (long)(lambda - (20 * Math.Sqrt(lambda)) - 40)); k <= c; k++)
        {
            sum += Math.Exp(LogPmf(lambda, k));
        }

        return sum;
    }

    private static double LogPmf(double lambda, long k) => -lambda + (k * Math.Log(lambda)) - LogFactorial(k);

    // Exact below 20, Stirling's series beyond (relative error under 1e-12 there).
    private static double LogFactorial(long k)
    {
        if (k < 20)
        {
            var sum = 0.0;
            for (var i = 2; i <= k; i++)
            {
                sum += Math.Log(i);
            }

            return sum;
        }

        double n = k;
        return (n * Math.Log(n)) - n + (0.5 * Math.Log(2 * Math.PI * n)) + (1 / (12 * n)) - (1 / (360 * n * n * n));
    }
}
