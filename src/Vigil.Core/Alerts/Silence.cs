using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// Suppresses the notifications of the alerts it matches between <see cref="StartsAt"/> and
/// <see cref="EndsAt"/>, like an Alertmanager silence: matched alerts still change state and
/// are recorded, but produce no notification intent.
/// </summary>
public sealed record Silence
{
    /// <summary>Identifier.</summary>
    public required string Id { get; init; }

    /// <summary>Only alerts of this rule (null: any rule).</summary>
    public string? RuleId { get; init; }

    /// <summary>Labels the alert must have (its group labels and the rule's labels), exactly.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Only alerts of this severity (null: any).</summary>
    public Severity? Severity { get; init; }

    /// <summary>When it starts.</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>When it ends.</summary>
    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Who created it.</summary>
    public required string Author { get; init; }

    /// <summary>Why.</summary>
    public string? Comment { get; init; }

    /// <summary>Whether it is in force at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => StartsAt <= now && now < EndsAt;

    /// <summary>Whether it matches an alert of <paramref name="rule"/> for <paramref name="group"/> at <paramref name="severity"/>.</summary>
    public bool Matches(AlertRule rule, LabelSet group, Severity severity)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(group);
        if ((RuleId is not null && RuleId != rule.Id) || (Severity is { } only && only != severity))
        {
            return false;
        }

        foreach (var (name, value) in Labels)
        {
            var actual = group[name] ?? rule.Labels.GetValueOrDefault(name);
            if (!string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
