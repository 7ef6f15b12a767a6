using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;

namespace Vigil.Server.Rules;

/// <summary>A state change the rule would have made.</summary>
/// <param name="At">When.</param>
/// <param name="Labels">The group's labels.</param>
/// <param name="From">The state before, null for a new alert.</param>
/// <param name="To">The state after.</param>
/// <param name="Value">The aggregate then.</param>
/// <param name="Threshold">The threshold then.</param>
/// <param name="Notified">Whether a notification would have gone out (the cooldown can hold one back).</param>
public sealed record RuleTestEvent(DateTimeOffset At, IReadOnlyDictionary<string, string> Labels, string? From, string To, double? Value, double? Threshold, bool Notified);
