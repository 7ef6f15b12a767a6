using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>The body of <c>POST /api/v1/silences</c>.</summary>
public sealed class CreateSilenceRequest
{
    /// <summary>Only alerts of this rule.</summary>
    public string? RuleId { get; set; }

    /// <summary>Labels the alert must have (group labels or the rule's labels).</summary>
    public Dictionary<string, string?>? Labels { get; set; }

    /// <summary>Only alerts of this severity.</summary>
    public string? Severity { get; set; }

    /// <summary>When it starts (default now).</summary>
    public DateTimeOffset? StartsAt { get; set; }

    /// <summary>When it ends; or give <see cref="DurationMinutes"/>.</summary>
    public DateTimeOffset? EndsAt { get; set; }

    /// <summary>How long from the start, in minutes, when <see cref="EndsAt"/> is not given.</summary>
    public double? DurationMinutes { get; set; }

    /// <summary>Why.</summary>
    public string? Comment { get; set; }
}
