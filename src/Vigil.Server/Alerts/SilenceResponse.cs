using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>A silence as the API shows it.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="RuleId">Rule matcher.</param>
/// <param name="Labels">Label matchers.</param>
/// <param name="Severity">Severity matcher.</param>
/// <param name="StartsAt">Start.</param>
/// <param name="EndsAt">End.</param>
/// <param name="Author">Who created it.</param>
/// <param name="Comment">Why.</param>
/// <param name="Active">Whether it is in force now.</param>
public sealed record SilenceResponse(string Id, string? RuleId, IReadOnlyDictionary<string, string> Labels, string? Severity, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Author, string? Comment, bool Active);
