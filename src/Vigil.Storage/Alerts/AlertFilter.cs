using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Alerts;

/// <summary>Which alerts to list.</summary>
/// <param name="Status">Only this status.</param>
/// <param name="Severity">Only this severity.</param>
/// <param name="RuleId">Only this rule's.</param>
/// <param name="FromMs">Started at or after (Unix ms).</param>
/// <param name="ToMs">Started before (Unix ms).</param>
/// <param name="Limit">At most this many, newest first.</param>
/// <param name="Labels">Group labels the alert must have, exactly (e.g. <c>service=api</c>); null or empty: any.</param>
public sealed record AlertFilter(AlertStatus? Status = null, Severity? Severity = null, string? RuleId = null, long? FromMs = null, long? ToMs = null, int Limit = 100, IReadOnlyDictionary<string, string>? Labels = null);
