namespace Vigil.Core.Metrics;

/// <summary>
/// The range of values Vigil accepts, and arithmetic that keeps every aggregate it computes,
/// stores or answers finite. JSON has no infinity or NaN: one infinite aggregate stored in an
/// alert or a rollup would make every answer that carries it fail, so none may exist.
/// </summary>
/// <remarks>
/// <para>
/// Accepted point values (counters, gauges, timings in milliseconds) are within
/// ±<see cref="MaxMagnitude"/> (10^15). Every whole number in that range is exact in a double
/// (below 2^53), a timing of 10^15 ms is 31 700 years and a counter step of 10^15 bytes a
/// petabyte, so nothing real is refused; and a sum of as many such values as a
/// <see cref="long"/> can count (9.2·10^18) stays below 10^34, some 270 orders of magnitude
/// from overflow, so sums, averages and rates of accepted values are always finite.
/// </para>
/// <para>
/// Values from elsewhere (rows stored before the range was enforced, a percent change over a
/// tiny previous value, a baseline times a huge multiplier) go through <see cref="Finite"/> or
/// <see cref="Add"/>, which saturate at ±<see cref="double.MaxValue"/> instead of overflowing.
/// </para>
/// </remarks>
public static class FiniteValues
{
    /// <summary>The largest magnitude of an accepted point value: 10^15.</summary>
    public const double MaxMagnitude = 1e15;

    /// <summary>Whether <paramref name="value"/> is finite and within ±<see cref="MaxMagnitude"/>.</summary>
    public static bool IsAccepted(double value) => Math.Abs(value) <= MaxMagnitude;

    /// <summary>
    /// <paramref name="value"/> made finite: ±∞ become ±<see cref="double.MaxValue"/>, NaN becomes 0.
    /// </summary>
    public static double Finite(double value) =>
        double.IsFinite(value) ? value
        : double.IsNaN(value) ? 0
        : value > 0 ? double.MaxValue : -double.MaxValue;

    /// <summary><paramref name="value"/> made finite as <see cref="Finite(double)"/>, NaN becoming null.</summary>
    public static double? FiniteOrNull(double? value) =>
        value is not { } v || double.IsNaN(v) ? null : Finite(v);

    /// <summary>The sum of two values, saturating at ±<see cref="double.MaxValue"/> instead of overflowing.</summary>
    public static double Add(double a, double b)
    {
        var sum = a + b;
        return double.IsFinite(sum) ? sum : Finite(sum);
    }
}
