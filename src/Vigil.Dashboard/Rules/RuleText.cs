using System.Globalization;
using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Dashboard.Rules;

/// <summary>How the rule pages write a rule's parts: short, in the words of the API's wire names.</summary>
internal static class RuleText
{
    /// <summary>The rule types the API accepts.</summary>
    public static IReadOnlyList<string> Types => RuleValidator.Types;

    /// <summary>The aggregations, by wire name.</summary>
    public static IReadOnlyList<string> Aggregations { get; } = [.. AggregationNames.All];

    /// <summary>Threshold types by wire name, with what the form calls them.</summary>
    public static IReadOnlyList<(string Wire, string Text)> ThresholdTypes { get; } =
    [
        (ThresholdType.Static.ToWire(), "Static: a fixed value"),
        (ThresholdType.Anomaly.ToWire(), "Anomaly: outside the usual band for this hour"),
        (ThresholdType.Dynamic.ToWire(), "Dynamic: a multiple of the usual value for this hour"),
        (ThresholdType.PercentChange.ToWire(), "Percent change from the usual value for this hour"),
    ];

    /// <summary>Anomaly sensitivities by wire name, with what the form calls them.</summary>
    public static IReadOnlyList<(string Wire, string Text)> Sensitivities { get; } =
    [
        ("low", "Low: 6 σ and 35 %, only large departures"),
        ("medium", "Medium: 4 σ and 20 %"),
        ("high", "High: 3 σ and 10 %, smaller changes, more noise"),
    ];

    /// <summary>Anomaly methods by wire name, with what the form calls them.</summary>
    public static IReadOnlyList<(string Wire, string Text)> AnomalyMethods { get; } =
    [
        (AnomalyMethod.Band.ToWire(), "Band: the window's value against the usual range"),
        (AnomalyMethod.Sequential.ToWire(), "Sequential: each minute's requests or errors against the usual, until beyond chance"),
    ];

    /// <summary>No-data policies by wire name, with what the form calls them.</summary>
    public static IReadOnlyList<(string Wire, string Text)> NoDataPolicies { get; } =
    [
        (NoDataPolicy.KeepLast.ToWire(), "Keep the last state"),
        (NoDataPolicy.Ok.ToWire(), "OK: resolve"),
        (NoDataPolicy.Alerting.ToWire(), "Alerting: no data is the problem"),
    ];

    /// <summary>Comparisons by wire name, with their symbol.</summary>
    public static IReadOnlyList<(string Wire, string Text)> Comparisons { get; } =
        [.. Enum.GetValues<Comparison>().Select(c => (c.ToWire(), $"{Symbol(c)}  ({c.ToWire().Replace('_', ' ')})"))];

    /// <summary>Severities by wire name, least severe first.</summary>
    public static IReadOnlyList<string> Severities { get; } = [.. Enum.GetValues<Severity>().Select(s => s.ToWire())];

    /// <summary>The comparison as a symbol (<c>&gt;</c>, <c>≤</c>...).</summary>
    public static string Symbol(Comparison comparison) => comparison switch
    {
        Comparison.GreaterThan => ">",
        Comparison.LessThan => "<",
        Comparison.Equal => "=",
        Comparison.GreaterOrEqual => "≥",
        _ => "≤",
    };

    /// <summary>The condition in one line: <c>&gt; 1000</c>, <c>&gt; 2 × baseline (7 d)</c>, <c>&gt; +50 % vs baseline</c>, <c>above the band (medium)</c>, <c>&gt; 1000, unless usual</c>.</summary>
    public static string Condition(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var symbol = Symbol(rule.Comparison);
        return rule.ThresholdType switch
        {
            ThresholdType.Dynamic => $"{symbol} {Format.Number(rule.BaselineMultiplier ?? double.NaN)} × baseline ({rule.BaselineDays.ToString(CultureInfo.InvariantCulture)} d)",
            ThresholdType.PercentChange => $"{symbol} {(rule.Threshold >= 0 ? "+" : "")}{Format.Number(rule.Threshold ?? double.NaN)} % vs baseline ({rule.BaselineDays.ToString(CultureInfo.InvariantCulture)} d)",
            ThresholdType.Anomaly when rule.AnomalyMethod == AnomalyMethod.Sequential => $"{(rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual ? "fewer" : rule.Aggregation == Aggregation.P50 ? "slower" : "more")} than usual, sequential ({rule.Sensitivity.ToWire()})",
            ThresholdType.Anomaly => $"{(rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual ? "below" : "above")} the band ({rule.Sensitivity.ToWire()})",
            _ => $"{symbol} {Format.Number(rule.Threshold ?? double.NaN)}{(rule.UnlessUsual ? ", unless usual" : "")}",
        };
    }

    /// <summary>The threshold kind as the list shows it.</summary>
    public static string Kind(ThresholdType type) => type switch
    {
        ThresholdType.Dynamic => "dynamic",
        ThresholdType.PercentChange => "percent change",
        ThresholdType.Anomaly => "anomaly",
        _ => "static",
    };

    /// <summary>The aggregation over the window: <c>p95 over 15 min</c>, <c>p50 over 10 min, worst minute left out</c>.</summary>
    public static string Aggregate(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return $"{rule.Aggregation.ToWire()} over {Minutes(rule.WindowMinutes)}{(rule.TrimmedText() is { } trimmed ? ", " + trimmed : "")}";
    }

    /// <summary>A number of minutes as <c>15 min</c>, <c>2 h</c> or <c>30 s</c>.</summary>
    public static string Minutes(double minutes) =>
        minutes < 1 ? $"{Format.Number(minutes * 60)} s"
        : minutes >= 60 && minutes % 60 == 0 ? $"{Format.Number(minutes / 60)} h"
        : $"{Format.Number(minutes)} min";

    /// <summary>Labels as <c>key=value</c> lines, the form's text for <c>match</c> and <c>labels</c>.</summary>
    public static string Lines(IReadOnlyDictionary<string, string> labels) =>
        string.Join('\n', labels.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>A number as a form field's value: invariant, round-trippable, empty when null.</summary>
    public static string Value(double? number) => number is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>A whole number as a form field's value.</summary>
    public static string Value(int number) => number.ToString(CultureInfo.InvariantCulture);
}
