using System.ComponentModel.DataAnnotations;

namespace Vigil.Errors;

/// <summary>Error tracking's settings (<c>Vigil:Errors</c>), checked at start-up.</summary>
public sealed class ErrorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Vigil:Errors";

    /// <summary>The latest events kept per issue (older ones are deleted; the issue keeps its counts and latest event).</summary>
    /// <value>100.</value>
    [Range(1, 10_000)]
    public int EventsPerIssue { get; set; } = 100;

    /// <summary>The events kept in all, across issues; past it the oldest go first.</summary>
    /// <value>100 000.</value>
    [Range(1, 100_000_000)]
    public int MaxEvents { get; set; } = 100_000;

    /// <summary>The distinct users counted per issue; past it <c>usersAffected</c> stops growing (a floor, shown as capped).</summary>
    /// <value>10 000.</value>
    [Range(1, 1_000_000)]
    public int UsersPerIssue { get; set; } = 10_000;

    /// <summary>The fewest events in 5 minutes that can be a spike.</summary>
    /// <value>20.</value>
    [Range(1, 1_000_000)]
    public int SpikeMinimumEvents { get; set; } = 20;

    /// <summary>How many times its baseline (the median of the twelve 5-minute windows before) the last 5 minutes must hold to be a spike.</summary>
    /// <value>5.</value>
    [Range(1.5, 1000)]
    public double SpikeFactor { get; set; } = 5;
}
