namespace Vigil.Notifications.Channels;

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
    /// <paramref name="text"/> (a destination's reply, an error) with every secret of the channel
    /// replaced by <see cref="MaskedValue"/> — as sent, JSON-escaped or URL-escaped — so a receiver
    /// that echoes our Authorization header or URL does not show it to whoever reads the delivery log.
    /// </summary>
    /// <param name="text">The text to clean.</param>
    /// <param name="channel">The channel as sent, its secrets resolved.</param>
    /// <returns>The text without the channel's secrets.</returns>
    internal static string Redact(string text, ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(channel);
        var forms = SecretsOf(channel).OfType<string>().Where(s => s.Length > 0)
            .SelectMany(FormsOf)
            .Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToList();
        foreach (var form in forms)
        {
            text = text.Replace(form, MaskedValue, StringComparison.Ordinal);
        }

        // A reply cut short ("…") may end in the first characters of a secret.
        if (text.EndsWith('…'))
        {
            var body = text[..^1];
            foreach (var form in forms)
            {
                for (int length = Math.Min(form.Length - 1, body.Length); length >= Math.Min(4, form.Length); length--)
                {
                    if (body.EndsWith(form[..length], StringComparison.Ordinal))
                    {
                        return body[..^length] + MaskedValue + "…";
                    }
                }
            }
        }

        return text;
    }

    // A secret as a receiver may echo it: as sent, in JSON (strictly or loosely escaped, '/' as '\/'), URL-escaped.
    private static IEnumerable<string> FormsOf(string secret)
    {
        var json = System.Text.Json.JsonEncodedText.Encode(secret, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        return [secret, json, json.Replace("/", "\\/", StringComparison.Ordinal), System.Text.Json.JsonEncodedText.Encode(secret).ToString(), Uri.EscapeDataString(secret)];
    }

    private static IEnumerable<string?> SecretsOf(ChannelDefinition channel) => channel.Config switch
    {
        EmailChannelConfig e => [e.Password],
        ChatChannelConfig c => [c.WebhookUrl, PathAndQuery(c.WebhookUrl)],
        WebhookChannelConfig w => PathAndQuery(w.Url) is { Length: > 1 } path ? [w.Secret, w.BearerToken, w.Url, path] : [w.Secret, w.BearerToken],
        _ => [],
    };

    private static string? PathAndQuery(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.PathAndQuery : null;

    /// <summary>
    /// The masked secrets of an update that would go to another destination than the stored one:
    /// a webhook whose URL changed, an email channel whose SMTP host or port changed. A stored
    /// secret is only ever sent where it was set for, so such an update must send the secret again.
    /// </summary>
    /// <param name="incoming">The channel as received, before <see cref="RestoreSecrets"/>.</param>
    /// <param name="stored">The channel as stored.</param>
    /// <returns>One problem per secret to send again; empty when the destination is the same or nothing is masked.</returns>
    public static IReadOnlyList<ChannelProblem> SecretsKeptForAnotherDestination(ChannelDefinition incoming, ChannelDefinition stored)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        ArgumentNullException.ThrowIfNull(stored);
        var problems = new List<ChannelProblem>();
        switch (incoming.Config, stored.Config)
        {
            case (EmailChannelConfig i, EmailChannelConfig s)
                when i.Password == MaskedValue && s.Password is not null
                    && (!string.Equals(i.Host, s.Host, StringComparison.OrdinalIgnoreCase) || i.Port != s.Port):
                problems.Add(new("config.password", $"The SMTP server changed from {s.Host}:{s.Port}: send the password again (a masked password is only kept for the same server)."));
                break;
            case (WebhookChannelConfig i, WebhookChannelConfig s) when i.Url != MaskUrl(s.Url) && i.Url != s.Url:
                string from = $"The URL changed from {MaskUrl(s.Url)}";
                if (i.Secret == MaskedValue && s.Secret is not null)
                {
                    problems.Add(new("config.secret", $"{from}: send the signing secret again (a masked secret is only kept for the same URL)."));
                }

                if (i.BearerToken == MaskedValue && s.BearerToken is not null)
                {
                    problems.Add(new("config.bearerToken", $"{from}: send the bearer token again (a masked token is only kept for the same URL)."));
                }

                break;
        }

        return problems;
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
