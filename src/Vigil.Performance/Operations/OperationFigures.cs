using Vigil.Core.Metrics;

namespace Vigil.Performance.Operations;

/// <summary>An operation's executions over a period: how many, how many failed, how long they took, how often they ran.</summary>
/// <param name="Executions">Executions in the period.</param>
/// <param name="Failures">Of them, failures (a 5xx or error status).</param>
/// <param name="FailureRate">Failures in percent of executions, two decimals.</param>
/// <param name="AvgMs">Mean duration, ms.</param>
/// <param name="P50Ms">Median duration, ms.</param>
/// <param name="P95Ms">95th percentile, ms.</param>
/// <param name="P99Ms">99th percentile, ms.</param>
/// <param name="ThroughputPerMinute">Executions per minute of the period, two decimals.</param>
public sealed record OperationFigures(long Executions, long Failures, double FailureRate, double AvgMs, double? P50Ms, double? P95Ms, double? P99Ms, double ThroughputPerMinute)
{
    /// <summary>The figures of what <paramref name="accumulator"/> merged over <paramref name="minutes"/> minutes, or null when it merged nothing.</summary>
    public static OperationFigures? From(WindowAccumulator accumulator, double minutes)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        if (accumulator.Count == 0)
        {
            return null;
        }

        return new OperationFigures(
            accumulator.Count,
            accumulator.ErrorCount,
            Math.Round(100.0 * accumulator.ErrorCount / accumulator.Count, 2),
            Round(accumulator.Sum / accumulator.Count),
            Round(accumulator.Quantile(0.50)),
            Round(accumulator.Quantile(0.95)),
            Round(accumulator.Quantile(0.99)),
            minutes > 0 ? Math.Round(accumulator.Count / minutes, 2) : 0);
    }

    /// <summary>Milliseconds to three decimals (the sketch is exact to 1 %: more digits say nothing).</summary>
    internal static double Round(double ms) => Math.Round(ms, 3);

    internal static double? Round(double? ms) => ms is { } value ? Round(value) : null;
}
