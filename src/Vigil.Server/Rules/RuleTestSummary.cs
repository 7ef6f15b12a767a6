using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;

namespace Vigil.Server.Rules;

/// <summary>Counts over the replayed history.</summary>
/// <param name="Firings">Times an alert would have started firing.</param>
/// <param name="Resolutions">Times one would have resolved.</param>
/// <param name="Notifications">Firings that would have notified (outside the cooldown).</param>
public sealed record RuleTestSummary(int Firings, int Resolutions, int Notifications);
