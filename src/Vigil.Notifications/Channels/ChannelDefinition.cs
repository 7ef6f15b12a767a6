using Vigil.Core.Alerts;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Channels;

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
