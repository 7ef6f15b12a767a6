using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>What <see cref="RuleRepository.UpsertDefaultsAsync"/> changed.</summary>
/// <param name="Inserted">Default rules that did not exist.</param>
/// <param name="Updated">Default rules, never edited, whose definition changed.</param>
/// <param name="Retired">Default rules, never edited, that the defaults no longer have: deleted softly.</param>
public sealed record DefaultRulesOutcome(int Inserted, int Updated, int Retired);
