namespace Vigil.Core.Metrics;

/// <summary>How the points of a window are reduced to one value.</summary>
public enum Aggregation
{
    /// <summary>Number of points.</summary>
    Count,

    /// <summary>Sum of the values.</summary>
    Sum,

    /// <summary>Smallest value.</summary>
    Min,

    /// <summary>Largest value.</summary>
    Max,

    /// <summary>Mean value.</summary>
    Avg,

    /// <summary>The value with the latest timestamp.</summary>
    Last,

    /// <summary>Per second: the sum of increments for counters, the number of points otherwise.</summary>
    RatePerSecond,

    /// <summary>Per minute: the sum of increments for counters, the number of points otherwise.</summary>
    RatePerMinute,

    /// <summary>Median (timings only).</summary>
    P50,

    /// <summary>90th percentile (timings only).</summary>
    P90,

    /// <summary>95th percentile (timings only).</summary>
    P95,

    /// <summary>99th percentile (timings only).</summary>
    P99,

    /// <summary>Share of points, in percent, whose <c>status</c> label marks an error.</summary>
    ErrorRatePercent,
}
