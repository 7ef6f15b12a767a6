namespace Vigil.Notifications.Channels;

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
