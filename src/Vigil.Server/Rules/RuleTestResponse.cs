using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;

namespace Vigil.Server.Rules;

/// <summary>What a rule test found.</summary>
/// <param name="RuleId">The tested rule, or null for an unsaved body.</param>
/// <param name="EvaluatedAt">When "now" was.</param>
/// <param name="WouldFire">Whether the condition holds now for at least one group.</param>
/// <param name="Value">The value of the first group that meets the condition (else the first group).</param>
/// <param name="Threshold">Its threshold.</param>
/// <param name="Groups">Every group's evaluation now.</param>
/// <param name="From">Start of the replayed history.</param>
/// <param name="To">End of the replayed history.</param>
/// <param name="StepSeconds">Seconds between replayed evaluations.</param>
/// <param name="History">The state changes the rule would have made, oldest first.</param>
/// <param name="Summary">Counts over the history.</param>
/// <param name="Series">
/// The value and threshold at every replayed step, per group: the groups that would have
/// fired first, then by their labels, at most <see cref="MaxSeries"/>.
/// </param>
public sealed record RuleTestResponse(
    string? RuleId, DateTimeOffset EvaluatedAt, bool WouldFire, double? Value, double? Threshold, IReadOnlyList<RuleTestGroup> Groups,
    DateTimeOffset From, DateTimeOffset To, double StepSeconds, IReadOnlyList<RuleTestEvent> History, RuleTestSummary Summary,
    IReadOnlyList<RuleTestSeries> Series)
{
    /// <summary>The most groups <see cref="Series"/> holds.</summary>
    public const int MaxSeries = 20;
}
