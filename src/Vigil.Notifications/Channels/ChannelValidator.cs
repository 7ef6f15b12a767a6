using System.Buffers.Text;
using MimeKit;
using Vigil.Notifications.Destinations;

namespace Vigil.Notifications.Channels;

/// <summary>
/// Checks the structure of a channel (required fields, ranges, URL schemes, email addresses, time
/// zones) without touching the network: every problem names its field. Where its destinations may
/// be reached is <see cref="DestinationGuard.CheckAsync"/>'s question.
/// </summary>
public static class ChannelValidator
{
    /// <summary>The longest channel name accepted.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest URL accepted.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>The longest digest period accepted, in minutes (one day).</summary>
    public const int MaxDigestMinutes = 1440;

    /// <summary>Every problem of <paramref name="channel"/>, empty when it is valid.</summary>
    /// <param name="channel">The channel to check.</param>
    /// <returns>The problems, each naming its field.</returns>
    public static IReadOnlyList<ChannelProblem> Validate(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var problems = new List<ChannelProblem>();

        if (string.IsNullOrWhiteSpace(channel.Name))
        {
            problems.Add(new("name", "A name is required."));
        }
        else if (channel.Name.Length > MaxNameLength)
        {
            problems.Add(new("name", $"The name must be at most {MaxNameLength} characters."));
        }

        if (channel.MaxConcurrency is < ChannelDefinition.MinMaxConcurrency or > ChannelDefinition.MaxMaxConcurrency)
        {
            problems.Add(new("maxConcurrency", $"maxConcurrency must be between {ChannelDefinition.MinMaxConcurrency} and {ChannelDefinition.MaxMaxConcurrency}; it was {channel.MaxConcurrency}."));
        }

        if (channel.DigestMinutes is int digest && digest is < 1 or > MaxDigestMinutes)
        {
            problems.Add(new("digestMinutes", $"digestMinutes must be between 1 and {MaxDigestMinutes}, or null to send at once; it was {digest}."));
        }

        if (channel.QuietHours is { } quiet)
        {
            ValidateQuietHours(quiet, problems);
        }

        switch (channel.Type, channel.Config)
        {
            case (ChannelType.Email, EmailChannelConfig email):
                ValidateEmail(email, problems);
                break;
            case (ChannelType.Slack or ChannelType.Discord or ChannelType.Teams, ChatChannelConfig chat):
                ValidateUrl(chat.WebhookUrl, "config.webhookUrl", problems);
                break;
            case (ChannelType.Webhook, WebhookChannelConfig webhook):
                ValidateWebhook(webhook, problems);
                break;
            case (ChannelType.InApp, InAppChannelConfig):
                break;
            default:
                problems.Add(new("config", $"The settings of a '{channel.Type.ToWire()}' channel were expected."));
                break;
        }

        return problems;
    }

    /// <summary>Whether <paramref name="address"/> is one plain email address (<c>ops@example.com</c> or <c>Ops &lt;ops@example.com&gt;</c>).</summary>
    internal static bool IsEmailAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Contains(',', StringComparison.Ordinal) || address.Contains(';', StringComparison.Ordinal)
            || !MailboxAddress.TryParse(address, out var mailbox))
        {
            return false;
        }

        int at = mailbox.Address.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Address.Length - 1 || mailbox.Address.Any(char.IsWhiteSpace))
        {
            return false;
        }

        string domain = mailbox.Address[(at + 1)..];
        return Uri.CheckHostName(domain) == UriHostNameType.Dns && domain.Contains('.', StringComparison.Ordinal);
    }

    private static void ValidateQuietHours(QuietHours quiet, List<ChannelProblem> problems)
    {
        if (quiet.Start == quiet.End)
        {
            problems.Add(new("quietHours.end", "The quiet hours must end at another time than they start."));
        }

        if (string.IsNullOrWhiteSpace(quiet.TimeZone))
        {
            problems.Add(new("quietHours.timeZone", "A time zone id such as 'Europe/Paris' or 'UTC' is required."));
        }
        else if (!TimeZoneInfo.TryFindSystemTimeZoneById(quiet.TimeZone, out _))
        {
            problems.Add(new("quietHours.timeZone", $"'{quiet.TimeZone}' is not a known time zone id; use an IANA id such as 'Europe/Paris' or 'UTC'."));
        }
    }

    private static void ValidateEmail(EmailChannelConfig email, List<ChannelProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(email.Host))
        {
            problems.Add(new("config.host", "The SMTP host is required."));
        }
        else if (Uri.CheckHostName(email.Host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            problems.Add(new("config.host", $"'{email.Host}' is not a host name or an address."));
        }

        if (email.Port is < 1 or > 65535)
        {
            problems.Add(new("config.port", $"The port must be between 1 and 65535; it was {email.Port}."));
        }

        if (!string.IsNullOrEmpty(email.Username) && string.IsNullOrEmpty(email.Password))
        {
            problems.Add(new("config.password", "A password is required with a username."));
        }

        AddIfAny(SecretReference.Check(email.Password, "config.password"), problems);

        if (!IsEmailAddress(email.From))
        {
            problems.Add(new("config.from", string.IsNullOrWhiteSpace(email.From) ? "The sender address is required." : $"'{email.From}' is not an email address."));
        }

        if (email.To is null || email.To.Count == 0)
        {
            problems.Add(new("config.to", "At least one recipient is required."));
            return;
        }

        for (int i = 0; i < email.To.Count; i++)
        {
            if (!IsEmailAddress(email.To[i]))
            {
                problems.Add(new($"config.to[{i}]", $"'{email.To[i]}' is not an email address."));
            }
        }
    }

    private static void ValidateWebhook(WebhookChannelConfig webhook, List<ChannelProblem> problems)
    {
        ValidateUrl(webhook.Url, "config.url", problems);
        if (SecretReference.Check(webhook.Secret, "config.secret") is { } secretReference)
        {
            problems.Add(secretReference);
        }
        else if (webhook.Secret is { } secret)
        {
            if (secret.Length == 0)
            {
                problems.Add(new("config.secret", "The secret must not be empty; use null to send unsigned."));
            }
            else if (secret.StartsWith(Webhooks.StandardWebhookSigner.SecretPrefix, StringComparison.Ordinal)
                && !IsBase64Key(secret.AsSpan(Webhooks.StandardWebhookSigner.SecretPrefix.Length)))
            {
                problems.Add(new("config.secret", "After 'whsec_' the secret must be the base64 of the key (at least 16 bytes)."));
            }
        }

        if (SecretReference.Check(webhook.BearerToken, "config.bearerToken") is { } tokenReference)
        {
            problems.Add(tokenReference);
        }
        else if (webhook.BearerToken is { } token && (token.Length == 0 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            problems.Add(new("config.bearerToken", "The bearer token must be non-empty and hold no white space or control characters; use null to send none."));
        }
    }

    private static void AddIfAny(ChannelProblem? problem, List<ChannelProblem> problems)
    {
        if (problem is not null)
        {
            problems.Add(problem);
        }
    }

    private static bool IsBase64Key(ReadOnlySpan<char> text) =>
        Base64.IsValid(text, out int length) && length >= 16;

    private static void ValidateUrl(string? url, string field, List<ChannelProblem> problems)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            problems.Add(new(field, "A URL is required."));
            return;
        }

        if (url.Length > MaxUrlLength)
        {
            problems.Add(new(field, $"The URL must be at most {MaxUrlLength} characters."));
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            problems.Add(new(field, "The URL must be absolute, such as https://hooks.example.com/vigil."));
            return;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            problems.Add(new(field, $"The URL must be http or https; it was '{uri.Scheme}'."));
            return;
        }

        if (uri.Host.Length == 0)
        {
            problems.Add(new(field, "The URL must name a host."));
        }
        else if (uri.UserInfo.Length > 0)
        {
            problems.Add(new(field, "The URL must not carry a user name or password; use the bearer token or the secret."));
        }
    }
}
