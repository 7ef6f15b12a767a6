using System.Globalization;
using Vigil.Notifications.Channels;

namespace Vigil.Dashboard.Delivery;

/// <summary>How the delivery pages write times, durations and channel types.</summary>
public static class DeliveryFormat
{
    /// <summary>The <c>datetime</c> of a <c>time.local</c> element (UTC, <c>Z</c>).</summary>
    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The time as shown before the script makes it local.</summary>
    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>A duration in ms or s.</summary>
    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "—",
        { TotalSeconds: < 1 } d => d.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms",
        { } d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
    };

    /// <summary>The human name of a channel type.</summary>
    public static string TypeName(ChannelType type) => type switch
    {
        ChannelType.Email => "Email",
        ChannelType.Slack => "Slack",
        ChannelType.Discord => "Discord",
        ChannelType.Teams => "Teams",
        ChannelType.Webhook => "Webhook",
        _ => "In-app",
    };

    /// <summary>Where a channel sends to, masked: the SMTP host, the webhook's origin.</summary>
    public static string Destination(ChannelDefinition masked) => masked.Config switch
    {
        EmailChannelConfig e => $"{e.Host}:{e.Port.ToString(CultureInfo.InvariantCulture)} → {string.Join(", ", e.To)}",
        ChatChannelConfig c => c.WebhookUrl,
        WebhookChannelConfig w => w.Url,
        _ => "the bell in this dashboard",
    };
}
