namespace Vigil.Notifications.Channels;

/// <summary>The kind of a notification channel; its wire name is snake_case (<c>in_app</c>).</summary>
public enum ChannelType
{
    /// <summary><c>email</c>: an HTML and plain-text email over SMTP.</summary>
    Email,

    /// <summary><c>slack</c>: a Slack incoming webhook with Block Kit blocks.</summary>
    Slack,

    /// <summary><c>discord</c>: a Discord webhook with an embed.</summary>
    Discord,

    /// <summary><c>teams</c>: a Microsoft Teams webhook with an Adaptive Card.</summary>
    Teams,

    /// <summary><c>webhook</c>: the Vigil JSON body, signed with Standard Webhooks headers.</summary>
    Webhook,

    /// <summary><c>in_app</c>: the server's own feed; nothing leaves the server.</summary>
    InApp,
}
