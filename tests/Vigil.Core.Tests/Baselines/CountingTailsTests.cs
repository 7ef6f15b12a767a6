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

    [Theory]
    [InlineData(0.0)]
    [InlineData(3)]
    [InlineData(11.2)]
    [InlineData(150)]
    [InlineData(1000)]
    public void NegativeBinomial_NoExtraVariance_IsThePoisson(double expected)
    {
        foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
        {
            Assert.Equal(CountingTails.Poisson(expected, sensitivity), CountingTails.NegativeBinomial(expected, 0, sensitivity));
        }
    }

    [Theory]
    [InlineData(11.2, 0.4)] // a quiet service's 2 minutes: spread a little beyond Poisson
    [InlineData(25, 10)]
    [InlineData(120, 300)]
    [InlineData(400, 2100)] // a busy service's: the swings are most of the variance
    [InlineData(60, 3600)] // shape 1, the most skewed walked exactly
    public void NegativeBinomial_Exact_CountsAreTheFirstOnesAsImprobableAsTheSensitivity(double expected, double extra)
    {
        var shape = expected * expected / extra;
        foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
        {
            var tail = CountingTails.TailProbability(sensitivity);

            var (low, high) = CountingTails.NegativeBinomial(expected, extra, sensitivity);

            // Summed here from log P(X = k) = Σ ln(r + i) − ln k! + r ln(r / (r + μ)) + k ln(μ / (r + μ)), independently of the walk.
            Assert.True(NegativeBinomialTail(expected, shape, high, upper: true) <= tail, $"P(X ≥ {high}) ≤ {tail} at {sensitivity}");
            Assert.True(NegativeBinomialTail(expected, shape, high - 1, upper: true) > tail, $"P(X ≥ {high - 1}) > {tail} at {sensitivity}");
            Assert.True(low < 0 || NegativeBinomialTail(expected, shape, low, upper: false) <= tail, $"P(X ≤ {low}) ≤ {tail} at {sensitivity}");
            Assert.True(NegativeBinomialTail(expected, shape, low + 1, upper: false) > tail, $"P(X ≤ {low + 1}) > {tail} at {sensitivity}");
        }
    }

    [Fact]
    public void NegativeBinomial_QuietServiceSilence_ImprobableWhereANormalBandOfTheSameVarianceReachesBelowZero()
    {
        // 11.2 requests expected in 2 minutes, variance 11.6: 4 σ below is −2.4, yet 0 happens once in 60 000 windows.
        var (low, _) = CountingTails.NegativeBinomial(11.2, 0.4, AnomalySensitivity.Medium);

        Assert.Equal(0, low);
        Assert.True(11.2 - (4 * Math.Sqrt(11.6)) < 0);
    }

    [Fact]
    public void NegativeBinomial_SwingsLargerThanTheCount_NormalBoundsThatDoNotWrap()
    {
        // Shape 1e-4: 10 ± 4 × 1 000.
        Assert.Equal((-1L, 4_010L), CountingTails.NegativeBinomial(10, 1_000_000 - 10, AnomalySensitivity.Medium));
        var (low, high) = CountingTails.NegativeBinomial(10, 1e300, AnomalySensitivity.Medium);
        Assert.Equal(-1, low);
        Assert.True(high > 1_000_000, $"high {high}");

        // A hundredth of an event expected, swinging by a third of one: no count is improbably low, one is high.
        Assert.Equal((-1L, 1L), CountingTails.NegativeBinomial(0.01, 0.001, AnomalySensitivity.Low));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NegativeBinomial_NotAVariance_Throws(double extra)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CountingTails.NegativeBinomial(10, extra, AnomalySensitivity.Medium));
        Assert.Throws<ArgumentOutOfRangeException>(() => CountingTails.NegativeBinomial(extra, 1, AnomalySensitivity.Medium));
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

    // P(X ≥ c) (upper) or P(X ≤ c) for X ~ NegativeBinomial(mean μ, shape r).
    private static double NegativeBinomialTail(double mu, double r, long c, bool upper)
    {
        double LogTerm(long k)
        {
            var log = (r * Math.Log(r / (r + mu))) + (k * Math.Log(mu / (r + mu)));
            for (long i = 0; i < k; i++)
            {
                log += Math.Log(r + i) - Math.Log(i + 1);
            }

            return log;
        }

        double below = 0; // P(X ≤ c − 1) for the upper tail, P(X ≤ c) for the lower
        for (long k = 0; k <= (upper ? c - 1 : c); k++)
        {
            below += Math.Exp(LogTerm(k));
        }

        return upper ? 1 - below : below;
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
