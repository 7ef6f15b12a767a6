using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>A recorded change of state: who, when, from, to and why.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="From">The state before (null when the alert was created).</param>
/// <param name="To">The state after.</param>
/// <param name="At">When.</param>
/// <param name="By">Who: <c>vigil</c> for the evaluator, else the API key's name.</param>
/// <param name="Note">Why.</param>
public sealed record AlertTransition(string AlertId, AlertStatus? From, AlertStatus To, DateTimeOffset At, string By, string? Note);
