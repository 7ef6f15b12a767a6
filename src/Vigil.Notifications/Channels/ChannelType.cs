namespace Vigil.Notifications;

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

/// <summary>How an email channel secures its SMTP connection.</summary>
public enum SmtpTls
{
    /// <summary><c>none</c>: plain text (only for a relay on a trusted network).</summary>
    None,

    /// <summary><c>starttls</c>: connect in plain text, then upgrade with STARTTLS (usually port 587). Refused if the server cannot.</summary>
    StartTls,

    /// <summary><c>ssl</c>: TLS from the first byte (usually port 465).</summary>
    Ssl,
}

/// <summary>Wire names of the channel enums.</summary>
public static class ChannelNames
{
    /// <summary>The wire name of a channel type: <c>email</c>, <c>slack</c>, <c>discord</c>, <c>teams</c>, <c>webhook</c>, <c>in_app</c>.</summary>
    public static string ToWire(this ChannelType value) => value switch
    {
        ChannelType.Email => "email",
        ChannelType.Slack => "slack",
        ChannelType.Discord => "discord",
        ChannelType.Teams => "teams",
        ChannelType.Webhook => "webhook",
        _ => "in_app",
    };

    /// <summary>The wire name of a TLS mode: <c>none</c>, <c>starttls</c>, <c>ssl</c>.</summary>
    public static string ToWire(this SmtpTls value) => value switch
    {
        SmtpTls.None => "none",
        SmtpTls.StartTls => "starttls",
        _ => "ssl",
    };

    /// <summary>Parses a channel type wire name (exact, lower case).</summary>
    public static bool TryParseChannelType(string? text, out ChannelType value)
    {
        foreach (var candidate in Enum.GetValues<ChannelType>())
        {
            if (candidate.ToWire() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Parses a TLS mode wire name (exact, lower case).</summary>
    public static bool TryParseTls(string? text, out SmtpTls value)
    {
        foreach (var candidate in Enum.GetValues<SmtpTls>())
        {
            if (candidate.ToWire() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
