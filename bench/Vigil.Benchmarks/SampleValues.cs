namespace Vigil.Benchmarks;

/// <summary>Seeded value distributions shared by the benchmarks and the reports.</summary>
internal static class SampleValues
{
    public const string Uniform = "uniform(0..1000)";
    public const string LogNormal = "log-normal(μ=3, σ=1)";
    public const string Bimodal = "bimodal 90 % N(50,5) + 10 % N(2000,200)";

    public static readonly string[] All = [Uniform, LogNormal, Bimodal];

    public static double[] Generate(string distribution, int count, int seed)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Next(distribution, random);
        }

        return values;
    }

    public static double Next(string distribution, Random random) => distribution switch
    {
        Uniform => random.NextDouble() * 1000,
        LogNormal => Math.Exp(3 + Normal(random)),
        Bimodal => Math.Max(0, random.NextDouble() < 0.9 ? 50 + (5 * Normal(random)) : 2000 + (200 * Normal(random))),
        _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, null),
    };

    /// <summary>The exact quantile with the sketch's nearest-rank convention: rank ⌈q × n⌉ (1-based, at least 1) of the sorted values.</summary>
    public static double ExactQuantile(double[] sorted, double q) => sorted[Math.Max(1, (long)Math.Ceiling(q * sorted.Length)) - 1];

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
