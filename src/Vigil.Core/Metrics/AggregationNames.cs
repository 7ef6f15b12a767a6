namespace Vigil.Core.Metrics;

/// <summary>Wire names of <see cref="Aggregation"/> (<c>p95</c>, <c>rate_per_minute</c>, ...).</summary>
public static class AggregationNames
{
    private static readonly Dictionary<string, Aggregation> ByName = new(StringComparer.Ordinal)
    {
        ["count"] = Aggregation.Count,
        ["sum"] = Aggregation.Sum,
        ["min"] = Aggregation.Min,
        ["max"] = Aggregation.Max,
        ["avg"] = Aggregation.Avg,
        ["last"] = Aggregation.Last,
        ["rate_per_second"] = Aggregation.RatePerSecond,
        ["rate_per_minute"] = Aggregation.RatePerMinute,
        ["p50"] = Aggregation.P50,
        ["p90"] = Aggregation.P90,
        ["p95"] = Aggregation.P95,
        ["p99"] = Aggregation.P99,
        ["error_rate_percent"] = Aggregation.ErrorRatePercent,
    };

    /// <summary>Every accepted wire name, for error messages and documentation.</summary>
    public static IReadOnlyCollection<string> All => ByName.Keys;

    /// <summary>Parses a wire name such as <c>p95</c>.</summary>
    public static bool TryParse(string? value, out Aggregation aggregation) =>
        ByName.TryGetValue(value ?? "", out aggregation);

    /// <summary>The wire name of an aggregation.</summary>
    public static string ToWire(this Aggregation aggregation) =>
        ByName.First(pair => pair.Value == aggregation).Key;

    /// <summary>Whether an aggregation reads the sketch bins (a quantile does; the others read counts, sums and extremes).</summary>
    public static bool ReadsBins(this Aggregation aggregation) => aggregation.Quantile() is not null;

    /// <summary>The quantile (0..1) an aggregation reads, or null when it reads none.</summary>
    public static double? Quantile(this Aggregation aggregation) => aggregation switch
    {
        Aggregation.P50 => 0.50,
        Aggregation.P90 => 0.90,
        Aggregation.P95 => 0.95,
        Aggregation.P99 => 0.99,
        _ => null,
    };
}
