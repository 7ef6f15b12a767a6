using System.Globalization;
using Vigil.Dashboard.Monitors;
using Vigil.Performance.Slos;

namespace Vigil.Dashboard.Performance;

/// <summary>How the performance pages write their figures.</summary>
public static class PerformanceText
{
    /// <summary>A duration in milliseconds, or a dash.</summary>
    public static string Ms(double? ms) => MonitorText.Ms(ms);

    /// <summary>A percentage, or a dash.</summary>
    public static string Percent(double? value, string format = "0.#") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>A signed change in percent, or a dash.</summary>
    public static string Signed(double? value) => value is { } v ? v.ToString("+0.#;-0.#;0", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>A burn rate (1× spends the budget over the window), or a dash.</summary>
    public static string Rate(double? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) + "×" : "–";

    /// <summary>An instant as ISO 8601 (for time.local).</summary>
    public static string Iso(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>What an objective promises, in words.</summary>
    public static string Target(SloDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var objective = definition.ObjectivePercent.ToString(CultureInfo.InvariantCulture);
        var what = definition.Kind switch
        {
            SloKind.Latency => $"{objective} % of {definition.Metric} within {definition.ThresholdMs!.Value.ToString(CultureInfo.InvariantCulture)} ms",
            SloKind.Errors => $"{objective} % of {definition.Metric} without errors",
            _ => $"{objective} % of minutes of {definition.Metric} {(definition.Comparison == SloComparison.LessThan ? "under" : "over")} {definition.Threshold!.Value.ToString(CultureInfo.InvariantCulture)}",
        };
        return $"{what} over {definition.WindowDays} days";
    }
}
