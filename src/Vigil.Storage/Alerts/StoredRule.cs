using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>A rule as stored, with where it came from.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="IsDefault">Whether it is one of the default rules of <c>config/base.json</c>.</param>
/// <param name="Overridden">Whether it is a default rule edited through the API (new releases leave it alone).</param>
/// <param name="Version">Incremented by every change; the optimistic-concurrency token of <see cref="RuleRepository.UpdateAsync"/>.</param>
/// <param name="CreatedAtMs">Creation time, Unix ms.</param>
/// <param name="UpdatedAtMs">Last change, Unix ms.</param>
public sealed record StoredRule(AlertRule Rule, bool IsDefault, bool Overridden, long Version, long CreatedAtMs, long UpdatedAtMs);
