using Vigil.Core.Alerts;

namespace Vigil.Notifications;

/// <summary>
/// A notification channel: where and how one kind of notification is sent. The server stores it
/// (secrets encrypted), and hands it to <see cref="NotificationSender"/> with every delivery.
/// </summary>
/// <param name="Id">The channel's id, given by the server.</param>
/// <param name="Name">A name for people.</param>
/// <param name="Type">The kind of channel; it decides the type of <paramref name="Config"/>.</param>
/// <param name="Config">The settings of that kind of channel.</param>
public sealed record ChannelDefinition(string Id, string Name, ChannelType Type, ChannelConfig Config)
{
    /// <summary>The default of <see cref="MaxConcurrency"/>.</summary>
    public const int DefaultMaxConcurrency = 5;

    /// <summary>The lowest <see cref="MaxConcurrency"/> accepted.</summary>
    public const int MinMaxConcurrency = 1;

    /// <summary>The highest <see cref="MaxConcurrency"/> accepted.</summary>
    public const int MaxMaxConcurrency = 10;

    /// <summary>Gets a value indicating whether the channel receives notifications.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets how many deliveries to this channel may be in flight at once.</summary>
    /// <value>Defaults to 5; between 1 and 10.</value>
    public int MaxConcurrency { get; init; } = DefaultMaxConcurrency;

    /// <summary>
    /// Gets the digest period in minutes: <c>info</c> and <c>warning</c> notifications are batched
    /// into one digest every that many minutes (aligned on multiples of the period since the Unix epoch).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: every notification is sent at once. Between 1 and 1440.</value>
    public int? DigestMinutes { get; init; }

    /// <summary>Gets the quiet hours: non-critical notifications are held until the window ends.</summary>
    /// <value>Defaults to <see langword="null"/>: no quiet hours.</value>
    public QuietHours? QuietHours { get; init; }

    /// <summary>
    /// When a notification of <paramref name="severity"/> produced at <paramref name="now"/> should
    /// be sent on this channel: <c>critical</c> at once; others after the quiet hours; <c>info</c> and
    /// <c>warning</c> also at the next digest boundary when <see cref="DigestMinutes"/> is set.
    /// </summary>
    /// <param name="severity">The notification's severity.</param>
    /// <param name="now">The current time.</param>
    /// <returns><paramref name="now"/> when it should go at once, else the later time to send it (with the digest of that time).</returns>
    public DateTimeOffset NextSendTime(Severity severity, DateTimeOffset now)
    {
        if (severity == Severity.Critical)
        {
            return now;
        }

        var at = now;
        if (QuietHours is { } quiet && quiet.EndOfWindowContaining(at) is { } end)
        {
            at = end;
        }

        if (DigestMinutes is int minutes and > 0 && severity is Severity.Info or Severity.Warning)
        {
            long period = TimeSpan.FromMinutes(minutes).Ticks;
            long sinceEpoch = (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
            long remainder = sinceEpoch % period;
            if (remainder != 0)
            {
                at = at.AddTicks(period - remainder);
            }
        }

        return at;
    }
}

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
