using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

/// <summary>Seeded value distributions and exact quantiles for the accuracy tests.</summary>
internal static class SampleData
{
    public const string Uniform = "uniform";
    public const string LogNormal = "lognormal";
    public const string Bimodal = "bimodal";

    /// <summary>
    /// <paramref name="count"/> non-negative values: uniform(0..1000), log-normal(μ=3, σ=1), or a
    /// 90/10 mixture of N(50, 5) and N(2000, 200) clipped at zero (a fast path and a slow path).
    /// </summary>
    public static double[] Generate(string distribution, int count, int seed)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = distribution switch
            {
                Uniform => random.NextDouble() * 1000,
                LogNormal => Math.Exp(3 + Normal(random)),
                Bimodal => Math.Max(0, random.NextDouble() < 0.9 ? 50 + (5 * Normal(random)) : 2000 + (200 * Normal(random))),
                _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, null),
            };
        }

        return values;
    }

    /// <summary>The exact quantile by the nearest-rank convention: the value of rank ⌈q × n⌉ (1-based, at least 1) of the sorted values.</summary>
    public static double ExactQuantile(double[] sorted, double q) => sorted[Math.Max(1, (long)Math.Ceiling(q * sorted.Length)) - 1];

    /// <summary>A timing series with no store around it, bucketed like the store's.</summary>
    public static MetricSeries NewSeries(MetricType type, string name = "latency_ms", LabelSet? labels = null)
    {
        labels ??= LabelSet.Empty;
        return new MetricSeries(name, labels, type, MetricsOptions.BucketSize);
    }

    public static LabelSet Labels(params (string Name, string Value)[] pairs) =>
        LabelSet.From(pairs.Select(pair => new KeyValuePair<string, string>(pair.Name, pair.Value)));

    /// <summary>Relative error of an estimate against a non-zero exact value.</summary>
    public static double RelativeError(double estimate, double exact) => Math.Abs(estimate - exact) / Math.Abs(exact);

    private static double Normal(Random random)
    {
        // Box–Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
