using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;

namespace Vigil.Server.Rules;

/// <summary>One group's evaluation now.</summary>
/// <param name="Labels">The group's labels.</param>
/// <param name="State"><c>met</c>, <c>not_met</c> or <c>not_enough_data</c>.</param>
/// <param name="Value">The aggregate (the percent change for percent_change rules).</param>
/// <param name="Threshold">The threshold in force.</param>
/// <param name="DataPoints">Points in the window.</param>
public sealed record RuleTestGroup(IReadOnlyDictionary<string, string> Labels, string State, double? Value, double? Threshold, long DataPoints);
