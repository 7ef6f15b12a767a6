using System.Globalization;

namespace Vigil.Otlp.Metrics;

/// <summary>
/// Histogram buckets as weighted values for Vigil's sketch: each bucket's count is recorded at
/// one representative value. Explicit buckets: the middle of the bucket (its bounds clamped to
/// the data point's min and max when sent), so a value — and a quantile — is off by at most half
/// the width of its bucket; below the first bound the bucket starts at 0 (or min), above the
/// last it ends at max (without max, such values count at the last bound). Exponential buckets:
/// the geometric middle <c>base^(i+0.5)</c> of <c>(base^i, base^(i+1)]</c>, off by a factor of at
/// most <c>sqrt(base)</c> (0.3 % at scale 7, 2.2 % at scale 4); the zero bucket counts at 0.
/// Vigil's sketch adds its own 1 % on top.
/// </summary>
internal static class OtlpHistograms
{
    /// <summary>The smallest exponential scale OTLP allows.</summary>
    public const int MinScale = -10;

    /// <summary>The largest exponential scale OTLP allows.</summary>
    public const int MaxScale = 20;

    /// <summary>Checks explicit bounds against the bucket counts; returns the problem or null.</summary>
    public static string? CheckExplicit(double[] bounds, int buckets)
    {
        if (buckets == 0)
        {
            return null; // a histogram without buckets: count and sum only
        }

        if (buckets != bounds.Length + 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"bucket_counts has {buckets} entries; with {bounds.Length} explicit_bounds it must have {bounds.Length + 1}");
        }

        for (var i = 0; i < bounds.Length; i++)
        {
            if (!double.IsFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
            {
                return "explicit_bounds must be finite and strictly increasing";
            }
        }

        return null;
    }

    /// <summary>The representative value and count of each non-empty explicit bucket.</summary>
    public static Values Explicit(double[] bounds, double[] counts, double? min, double? max, double? mean)
    {
        var buckets = new List<(double, ulong)>();
        if (bounds.Length == 0)
        {
            // One bucket holding everything: its mean, or the middle of min and max.
            var count = counts.Length == 0 ? 0 : counts[0];
            if (count <= 0)
            {
                return new Values(buckets, null);
            }

            var value = mean ?? (min is { } low && max is { } high ? (low + high) / 2 : double.NaN);
            return double.IsNaN(value)
                ? new Values(buckets, "a histogram without bounds needs its sum, or its min and max")
                : new Values([(value, (ulong)count)], null);
        }

        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] <= 0)
            {
                continue;
            }

            var lower = i == 0 ? min ?? Math.Min(0, bounds[0]) : bounds[i - 1];
            var upper = i == bounds.Length ? max ?? bounds[^1] : bounds[i];
            buckets.Add(((Clamp(lower, min, max) + Clamp(upper, min, max)) / 2, (ulong)counts[i]));
        }

        return new Values(buckets, null);
    }

    /// <summary>
    /// The representative value and count of each non-empty exponential bucket: <paramref name="counts"/>
    /// holds the zero count, then the positive buckets from <paramref name="offset"/>.
    /// </summary>
    public static Values Exponential(int scale, int offset, double[] counts, double? min, double? max)
    {
        var buckets = new List<(double, ulong)>();
        if (counts.Length > 0 && counts[0] > 0)
        {
            buckets.Add((Clamp(0, min, max), (ulong)counts[0]));
        }

        var exponentPerIndex = Math.Pow(2, -scale);
        for (var j = 1; j < counts.Length; j++)
        {
            if (counts[j] <= 0)
            {
                continue;
            }

            var index = offset + j - 1;
            var value = Math.Pow(2, (index + 0.5) * exponentPerIndex);
            buckets.Add((Clamp(value, min, max), (ulong)counts[j]));
        }

        return new Values(buckets, null);
    }

    private static double Clamp(double value, double? min, double? max)
    {
        if (min is { } low && value < low)
        {
            value = low;
        }

        if (max is { } high && value > high)
        {
            value = high;
        }

        return value;
    }

    /// <summary>Representative values with their counts, or why there are none.</summary>
    /// <param name="Buckets">Value and count of each non-empty bucket.</param>
    /// <param name="Problem">Why the data point is refused, or null.</param>
    internal sealed record Values(IReadOnlyList<(double Value, ulong Count)> Buckets, string? Problem);
}
