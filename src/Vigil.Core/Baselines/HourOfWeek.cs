namespace Vigil.Core.Baselines;

/// <summary>Hours of the week and of the day of an instant, in a time zone's wall-clock time.</summary>
public static class HourOfWeek
{
    /// <summary>Milliseconds in an hour.</summary>
    internal const long HourMs = 3_600_000;

    /// <summary>Hours in a week: the number of hour-of-week slots.</summary>
    public const int Count = 168;

    /// <summary>
    /// The hour of the week of <paramref name="utcMs"/> (Unix milliseconds) in
    /// <paramref name="zone"/>: 0 is Monday 00:00–01:00 local time, 167 Sunday 23:00–24:00.
    /// </summary>
    public static int Of(long utcMs, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return OfLocalHour(LocalHour(utcMs, zone));
    }

    /// <summary>The hour of the day (0–23) of <paramref name="utcMs"/> in <paramref name="zone"/>.</summary>
    public static int HourOfDay(long utcMs, TimeZoneInfo zone) => Of(utcMs, zone) % 24;

    /// <summary>The index of the local wall-clock hour holding <paramref name="utcMs"/> (hours since 1970-01-01 00:00 local).</summary>
    internal static long LocalHour(long utcMs, TimeZoneInfo zone)
    {
        var offsetMs = ReferenceEquals(zone, TimeZoneInfo.Utc) ? 0 : (long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(utcMs)).TotalMilliseconds;
        return FloorDivision.Of(utcMs + offsetMs, HourMs);
    }

    /// <summary>The hour of the week of a local hour index (1970-01-01 was a Thursday: hour 72 of its week).</summary>
    internal static int OfLocalHour(long localHour)
    {
        var slot = (localHour + 72) % Count;
        return (int)(slot < 0 ? slot + Count : slot);
    }
}
