using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>The outcome of one rule for one group at one instant.</summary>
/// <param name="Group">The group's labels (the rule's <c>groupBy</c> labels; empty without grouping).</param>
/// <param name="State">Whether the condition holds.</param>
/// <param name="Value">The aggregate (the percent change for <c>percent_change</c> rules), or null.</param>
/// <param name="Threshold">The threshold in force (the baseline × multiplier for dynamic rules), or null.</param>
/// <param name="DataPoints">Points in the window.</param>
/// <param name="Recovered">Whether the value is back past the recovery threshold (equals "not met" without one).</param>
public sealed record GroupEvaluation(LabelSet Group, ConditionState State, double? Value, double? Threshold, long DataPoints, bool Recovered)
{
    /// <summary>
    /// Why the condition holds (or cleared) in words, for conditions judged outside the rule
    /// evaluator (an uptime monitor's error); kept on the alert and in its transitions' notes.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the notes say the value, threshold and points.</value>
    public string? Reason { get; init; }

    /// <summary>
    /// A condition judged outside the rule evaluator (a monitor down, a regression open, an
    /// objective burning): holding or cleared for <paramref name="group"/>, with its reason.
    /// </summary>
    public static GroupEvaluation External(LabelSet group, bool holds, double value, double threshold, string? reason) =>
        new(group, holds ? ConditionState.Met : ConditionState.NotMet, value, threshold, 1, Recovered: !holds) { Reason = reason };
}
