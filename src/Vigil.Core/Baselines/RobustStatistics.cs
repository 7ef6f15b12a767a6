namespace Vigil.Core.Baselines;

/// <summary>Median and median absolute deviations of sorted values.</summary>
internal static class RobustStatistics
{
    /// <summary>Scales a median absolute deviation to the standard deviation of a normal distribution (1 / Φ⁻¹(3/4)).</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>
    /// The median of <paramref name="sorted"/> (ascending, not empty), and the median absolute
    /// deviation from it of all values, of those at or below it and of those at or above it.
    /// </summary>
    public static (double Median, double Mad, double LowerMad, double UpperMad) Of(ReadOnlySpan<double> sorted)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("At least one value is needed.", nameof(sorted));
        }

        var median = Median(sorted);
        var atOrBelow = UpperBound(sorted, median);
        var atOrAbove = LowerBound(sorted, median);
        var lowerMad = median - Median(sorted[..atOrBelow]);
        var upperMad = Median(sorted[atOrAbove..]) - median;
        return (median, AbsoluteDeviationMedian(sorted, median, atOrAbove), lowerMad, upperMad);
    }

    /// <summary>The median of ascending values.</summary>
    public static double Median(ReadOnlySpan<double> sorted)
    {
        var n = sorted.Length;
        return (n & 1) == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The median of |x − median|, walking outwards from the median: the deviations on each side are already ascending.</summary>
    private static double AbsoluteDeviationMedian(ReadOnlySpan<double> sorted, double median, int firstAtOrAbove)
    {
        var n = sorted.Length;
        int below = firstAtOrAbove - 1, above = firstAtOrAbove;
        double previous = 0;
        for (var taken = 0; ; taken++)
        {
            double next;
            if (above < n && (below < 0 || sorted[above] - median <= median - sorted[below]))
            {
                next = sorted[above++] - median;
            }
            else
            {
                next = median - sorted[below--];
            }

            if (taken == n / 2)
            {
                return (n & 1) == 1 ? next : (previous + next) / 2;
            }

            previous = next;
        }
    }

    private static int LowerBound(ReadOnlySpan<double> sorted, double value)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (sorted[mid] < value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    private static int UpperBound(ReadOnlySpan<double> sorted, double value)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (sorted[mid] <= value)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
