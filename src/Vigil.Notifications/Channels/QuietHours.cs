namespace Vigil.Notifications.Channels;

/// <summary>
/// A daily window, in a time zone, during which non-critical notifications are held. A window whose
/// end is before its start spans midnight (22:00 to 07:00).
/// </summary>
/// <param name="Start">Local time the window opens.</param>
/// <param name="End">Local time the window closes.</param>
/// <param name="TimeZone">An IANA time zone id such as <c>Europe/Paris</c>, or <c>UTC</c>.</param>
public sealed record QuietHours(TimeOnly Start, TimeOnly End, string TimeZone)
{
    /// <summary>When the window containing <paramref name="instant"/> ends, or <see langword="null"/> when <paramref name="instant"/> is outside the quiet hours.</summary>
    /// <param name="instant">A point in time.</param>
    /// <returns>The end of the window as an instant.</returns>
    public DateTimeOffset? EndOfWindowContaining(DateTimeOffset instant)
    {
        if (Start == End)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var date = DateOnly.FromDateTime(local.DateTime);

        DateOnly endDate;
        if (Start < End)
        {
            if (time < Start || time >= End)
            {
                return null;
            }

            endDate = date;
        }
        else if (time >= Start)
        {
            endDate = date.AddDays(1);
        }
        else if (time < End)
        {
            endDate = date;
        }
        else
        {
            return null;
        }

        var endLocal = endDate.ToDateTime(End);

        // A local end that falls in a daylight-saving gap does not exist: the window ends when the clocks jump.
        while (zone.IsInvalidTime(endLocal))
        {
            endLocal = endLocal.AddMinutes(1);
        }

        var offset = zone.GetUtcOffset(endLocal);
        var end = new DateTimeOffset(endLocal, offset);
        return end > instant ? end : null;
    }
}
