using Vigil.Notifications.Channels;
namespace Vigil.Notifications.Delivery;

/// <summary>
/// The default rate limit of a destination per channel type (<c>Vigil:Delivery:RateLimits:{Type}</c>).
/// Chat webhooks are limited by their services, so Vigil stays under what they ask rather than
/// collect 429s; webhooks and SMTP servers are the user's own and get more. A channel's
/// <c>maxConcurrency</c> still bounds how many of its deliveries are in flight.
/// </summary>
public sealed class DestinationRateLimits
{
    /// <summary>Gets or sets the limit of a signed webhook's URL.</summary>
    /// <value>50 per second: a receiver the user runs, bounded mainly by the channel's <c>maxConcurrency</c>; this only stops a storm.</value>
    public DestinationRateLimit Webhook { get; set; } = DestinationRateLimit.Of(50, TimeSpan.FromSeconds(1));

    /// <summary>Gets or sets the limit of a Slack incoming webhook.</summary>
    /// <value>1 per second: Slack allows one message per second per incoming webhook, with short bursts.</value>
    public DestinationRateLimit Slack { get; set; } = DestinationRateLimit.Of(1, TimeSpan.FromSeconds(1));

    /// <summary>Gets or sets the limit of a Discord webhook.</summary>
    /// <value>1 per 2 seconds: Discord allows about 30 messages a minute per channel.</value>
    public DestinationRateLimit Discord { get; set; } = DestinationRateLimit.Of(1, TimeSpan.FromSeconds(2));

    /// <summary>Gets or sets the limit of a Microsoft Teams webhook.</summary>
    /// <value>1 per second: Teams throttles connectors past a few requests per second.</value>
    public DestinationRateLimit Teams { get; set; } = DestinationRateLimit.Of(1, TimeSpan.FromSeconds(1));

    /// <summary>Gets or sets the limit of an SMTP server (host and port).</summary>
    /// <value>10 per second: relays commonly allow about that many messages a second (Amazon SES starts at 14).</value>
    public DestinationRateLimit Email { get; set; } = DestinationRateLimit.Of(10, TimeSpan.FromSeconds(1));

    /// <summary>The limit of a channel type's destinations.</summary>
    public DestinationRateLimit For(ChannelType type) => type switch
    {
        ChannelType.Slack => Slack,
        ChannelType.Discord => Discord,
        ChannelType.Teams => Teams,
        ChannelType.Email => Email,
        _ => Webhook,
    };

    internal IEnumerable<(string Name, DestinationRateLimit Limit)> All() =>
        [(nameof(Webhook), Webhook), (nameof(Slack), Slack), (nameof(Discord), Discord), (nameof(Teams), Teams), (nameof(Email), Email)];
}
