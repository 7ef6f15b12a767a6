using System.Globalization;
using Vigil.Monitoring.StatusPage;

namespace Vigil.Dashboard.StatusPage;

/// <summary>How the public status page writes its banner, states, bars and times (UTC, no script needed).</summary>
public static class StatusText
{
    /// <summary>The banner's words for an overall status.</summary>
    public static string Banner(string overall) => overall switch
    {
        "major_outage" => "Major outage",
        "partial_outage" => "Partial outage",
        "degraded" => "Degraded performance",
        "maintenance" => "Under maintenance",
        _ => "All systems operational",
    };

    /// <summary>The word of a monitor's state.</summary>
    public static string State(string state) => state switch
    {
        "up" => "Operational",
        "degraded" => "Degraded",
        "down" => "Down",
        "maintenance" => "Maintenance",
        "paused" => "Paused",
        _ => "No data yet",
    };

    /// <summary>The badge class of a monitor's state (the dashboard's colours).</summary>
    public static string StateClass(string state) => state switch
    {
        "down" => "badge sev-critical",
        "degraded" or "maintenance" => "badge sev-warning",
        "up" => "badge st-resolved",
        _ => "badge",
    };

    /// <summary>
    /// The colour class of a day's bar by the share of checks that passed: 100 % full, from 99 %
    /// minor, from 95 % partial, below major; none without checks.
    /// </summary>
    public static string DayClass(StatusDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        return day.Percent switch
        {
            null => "day-none",
            >= 100 => "day-full",
            >= 99 => "day-minor",
            >= 95 => "day-partial",
            _ => "day-major",
        };
    }

    /// <summary>A day's tooltip: date, uptime and down time.</summary>
    public static string Day(StatusDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        var date = day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return day.Percent is { } percent
            ? string.Create(CultureInfo.InvariantCulture, $"{date}: {Percent(percent)} up, {day.DownMinutes} min down")
            : $"{date}: no data";
    }

    /// <summary>An uptime percentage, or a dash without checks.</summary>
    public static string Uptime(double? percent) => percent is { } p ? Percent(p) : "–";

    /// <summary>An instant in UTC, to the minute.</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A duration in its two largest units ("2 h 5 min", "45 s").</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d {span.Hours} h")
            : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Hours} h {span.Minutes} min")
            : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.Minutes} min {span.Seconds} s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.Seconds} s");
    }

    private static string Percent(double percent) => percent.ToString("0.##", CultureInfo.InvariantCulture) + " %";
}
