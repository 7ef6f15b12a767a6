using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>One state change the rule would have made.</summary>
/// <param name="At">When.</param>
/// <param name="Group">The group's labels.</param>
/// <param name="From">The state before (null for a new alert).</param>
/// <param name="To">The state after.</param>
/// <param name="Value">The aggregate then.</param>
/// <param name="Threshold">The threshold then.</param>
/// <param name="Notified">Whether it would have sent a notification.</param>
public sealed record BacktestEvent(DateTimeOffset At, LabelSet Group, AlertStatus? From, AlertStatus To, double? Value, double? Threshold, bool Notified);
