namespace Vigil.Notifications;

/// <summary>
/// Hides the secrets of a channel for API answers and logs: passwords, signing secrets, bearer
/// tokens, and the path and query of webhook URLs (Slack, Discord and Teams put their token there).
/// </summary>
public static class ChannelMasking
{
    /// <summary>What a secret is replaced with.</summary>
    public const string MaskedValue = "********";

    /// <summary>The channel with its secrets masked; a secret that is not set stays <see langword="null"/>.</summary>
    /// <param name="channel">The channel as stored.</param>
    /// <returns>A copy safe to show.</returns>
    public static ChannelDefinition Mask(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ChannelConfig config = channel.Config switch
        {
            EmailChannelConfig e => e with { Password = e.Password is null ? null : MaskedValue },
            ChatChannelConfig c => c with { WebhookUrl = MaskUrl(c.WebhookUrl) },
            WebhookChannelConfig w => w with
            {
                Url = MaskUrl(w.Url),
                Secret = w.Secret is null ? null : MaskedValue,
                BearerToken = w.BearerToken is null ? null : MaskedValue,
            },
            var other => other,
        };
        return channel with { Config = config };
    }

    /// <summary>A URL with only its scheme, host and port left: <c>https://hooks.slack.com/********</c>.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The masked URL; <see cref="MaskedValue"/> when it is not an absolute URL.</returns>
    public static string MaskUrl(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return string.IsNullOrEmpty(url) ? url ?? "" : MaskedValue;
        }

        string origin = uri.GetLeftPart(UriPartial.Authority).Replace(uri.UserInfo + "@", "", StringComparison.Ordinal);
        bool hasMore = uri.AbsolutePath.Length > 1 || uri.Query.Length > 0 || uri.Fragment.Length > 0;
        return hasMore ? origin + "/" + MaskedValue : origin + "/";
    }

    /// <summary>
    /// For an update sent back with masked values: every secret of <paramref name="incoming"/> that is
    /// still the masked form of the stored one is replaced by the stored secret, so a client can edit
    /// the name without re-typing the password.
    /// </summary>
    /// <param name="incoming">The channel as received (after <see cref="ChannelJson.Parse(string, string?)"/>).</param>
    /// <param name="stored">The channel as stored, with its real secrets.</param>
    /// <returns><paramref name="incoming"/> with the unchanged secrets restored.</returns>
    public static ChannelDefinition RestoreSecrets(ChannelDefinition incoming, ChannelDefinition stored)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(stored);
        ChannelConfig config = (incoming.Config, stored.Config) switch
        {
            (EmailChannelConfig i, EmailChannelConfig s) => i with { Password = i.Password == MaskedValue ? s.Password : i.Password },
            (ChatChannelConfig i, ChatChannelConfig s) => i with { WebhookUrl = i.WebhookUrl == MaskUrl(s.WebhookUrl) ? s.WebhookUrl : i.WebhookUrl },
            (WebhookChannelConfig i, WebhookChannelConfig s) => i with
            {
                Url = i.Url == MaskUrl(s.Url) ? s.Url : i.Url,
                Secret = i.Secret == MaskedValue ? s.Secret : i.Secret,
                BearerToken = i.BearerToken == MaskedValue ? s.BearerToken : i.BearerToken,
            },
            _ => incoming.Config,
        };
        return incoming with { Config = config };
    }
}
