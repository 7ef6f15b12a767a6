using Cronos;

namespace Vigil.Jobs.Scheduling;

/// <summary>A schedule's settings, parsed: its cron expression in its time zone.</summary>
internal sealed record CronSchedule(string Name, string Cron, CronExpression Expression, TimeZoneInfo TimeZone, bool Enabled)
{
    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null if there is none (an expression for 30 February).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) => Expression.GetNextOccurrence(after, TimeZone);

    /// <summary>Parses the settings of schedule <paramref name="name"/>.</summary>
    /// <exception cref="FormatException">The expression or the time zone is not valid; the message names the setting.</exception>
    public static CronSchedule Parse(string name, ScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = $"{ScheduleOptions.Section}:{name}";
        if (string.IsNullOrWhiteSpace(options.Cron))
        {
            throw new FormatException($"{prefix}:Cron is required (a cron expression such as '*/5 * * * *').");
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(options.Cron.Trim(), CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new FormatException($"{prefix}:Cron '{options.Cron}' is not a valid cron expression: {ex.Message}", ex);
        }

        TimeZoneInfo zone;
        try
        {
            zone = string.Equals(options.TimeZone, "UTC", StringComparison.OrdinalIgnoreCase) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone ?? string.Empty);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new FormatException($"{prefix}:TimeZone '{options.TimeZone}' is not a known time zone (use an IANA id such as 'Europe/Paris', or 'UTC').", ex);
        }

        return new CronSchedule(name, options.Cron.Trim(), expression, zone, options.Enabled);
    }
}
