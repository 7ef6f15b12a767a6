using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Audit;

/// <summary>The audit log of admin changes (configuration section <c>Vigil:Audit</c>).</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Audit";

    /// <summary>How many days an entry is kept; older ones are removed every hour.</summary>
    /// <value>365.</value>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 365;
}
