namespace Vigil.Server.Rules;

/// <summary>One group's replayed evaluations: what a chart of the test draws.</summary>
/// <param name="Labels">The group's labels.</param>
/// <param name="Points"><c>[unixSeconds, value]</c> at each step: the value the rule judged (the percent change for percent_change rules). Steps without a value are left out.</param>
/// <param name="Thresholds"><c>[unixSeconds, threshold]</c> at each step: the threshold in force (the baseline times the multiplier for dynamic rules). Steps without one are left out.</param>
public sealed record RuleTestSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double[]> Points, IReadOnlyList<double[]> Thresholds);
