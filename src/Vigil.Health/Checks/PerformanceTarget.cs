namespace Vigil.Health.Checks;

/// <summary>One row of seed 003's performance-targets table, judged against what Vigil measured.</summary>
/// <param name="Metric">What is measured: <c>cacheHitRate</c>, <c>apiResponseP95</c>, <c>databaseQueryP95</c>, <c>heapMemory</c>, <c>errorRate</c>, <c>uptime</c>.</param>
/// <param name="Unit"><c>percent</c> or <c>ms</c>.</param>
/// <param name="Target">The target, such as <c>&gt; 75</c> or <c>&lt; 500</c>.</param>
/// <param name="Alert">Where the table says to alert.</param>
/// <param name="Value">The measured value; null when Vigil does not measure it (yet), or has no data in the window.</param>
/// <param name="Pass">Whether the value meets the target; null without a value.</param>
public sealed record PerformanceTarget(string Metric, string Unit, string Target, string Alert, double? Value, bool? Pass)
{
    /// <summary>A target judged as "greater than <paramref name="target"/>".</summary>
    public static PerformanceTarget Above(string metric, string unit, double target, string alert, double? value) =>
        new(metric, unit, $"> {target}", alert, value, value is { } v ? v > target : null);

    /// <summary>A target judged as "less than <paramref name="target"/>".</summary>
    public static PerformanceTarget Below(string metric, string unit, double target, string alert, double? value) =>
        new(metric, unit, $"< {target}", alert, value, value is { } v ? v < target : null);
}
