using System.ComponentModel.DataAnnotations;

namespace Vigil.Jobs.Scheduling;

/// <summary>
/// One cron schedule (configuration section <c>Vigil:Schedules:&lt;name&gt;</c>, named options by
/// schedule name). Validated at start-up: a bad expression or time zone stops the server with the
/// setting's name.
/// </summary>
public sealed class ScheduleOptions
{
    /// <summary>The configuration section the schedules live under, one subsection per schedule.</summary>
    public const string Section = "Vigil:Schedules";

    /// <summary>
    /// When it runs: a five-field cron expression (minute, hour, day of month, month, day of week;
    /// Cronos syntax, e.g. <c>*/5 * * * *</c>, <c>0 2 * * *</c>, <c>@hourly</c>).
    /// </summary>
    /// <value>The schedule's default (see <see cref="BuiltInSchedules"/>).</value>
    [Required]
    public string Cron { get; set; } = string.Empty;

    /// <summary>Whether it runs. A disabled schedule is never enqueued; when enabled again it starts from its next occurrence.</summary>
    /// <value>true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>The time zone <see cref="Cron"/> is read in: an IANA or Windows id.</summary>
    /// <value><c>UTC</c>.</value>
    [Required]
    public string TimeZone { get; set; } = "UTC";
}
