using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>One replayed evaluation of one group: what a chart of a backtest draws.</summary>
/// <param name="At">When.</param>
/// <param name="Group">The group's labels.</param>
/// <param name="Value">The value judged (the percent change for <c>percent_change</c> rules); null without data.</param>
/// <param name="Threshold">The threshold in force (baseline × multiplier for dynamic rules); null without a baseline.</param>
/// <param name="State">Whether the condition held.</param>
public sealed record BacktestStep(DateTimeOffset At, LabelSet Group, double? Value, double? Threshold, ConditionState State);
