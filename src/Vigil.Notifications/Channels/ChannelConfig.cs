namespace Vigil.Notifications;

/// <summary>The settings of one kind of channel; the concrete type matches <see cref="ChannelDefinition.Type"/>.</summary>
public abstract record ChannelConfig;

/// <summary>An email channel: an SMTP server and who gets the mail.</summary>
/// <param name="Host">The SMTP server's host name or address.</param>
/// <param name="Port">The SMTP port (587 for STARTTLS, 465 for SSL, 25 for none are the usual ones).</param>
/// <param name="Tls">How the connection is secured.</param>
/// <param name="Username">The SMTP user, or <see langword="null"/> to send without authentication.</param>
/// <param name="Password">The SMTP password (a secret: masked in API answers).</param>
/// <param name="From">The sender address.</param>
/// <param name="To">The recipients (at least one).</param>
public sealed record EmailChannelConfig(
    string Host,
    int Port,
    SmtpTls Tls,
    string? Username,
    string? Password,
    string From,
    IReadOnlyList<string> To) : ChannelConfig
{
    /// <inheritdoc/>
    public bool Equals(EmailChannelConfig? other) =>
        other is not null
        && Host == other.Host && Port == other.Port && Tls == other.Tls
        && Username == other.Username && Password == other.Password && From == other.From
        && To.SequenceEqual(other.To);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Host, Port, Tls, Username, From, To.Count);
}

/// <summary>A Slack, Discord or Teams channel: the incoming webhook URL the chat service gave.</summary>
/// <param name="WebhookUrl">The incoming webhook URL (it carries a token: masked in API answers).</param>
public sealed record ChatChannelConfig(string WebhookUrl) : ChannelConfig;

/// <summary>A generic webhook channel.</summary>
/// <param name="Url">Where to POST the notification.</param>
/// <param name="Secret">
/// The Standard Webhooks signing secret, or <see langword="null"/> to send unsigned. With the
/// <c>whsec_</c> prefix the rest is the base64 of the key (as Standard Webhooks libraries expect);
/// without it the key is the secret's UTF-8 bytes.
/// </param>
/// <param name="BearerToken">Sent as <c>Authorization: Bearer &lt;token&gt;</c> when set.</param>
public sealed record WebhookChannelConfig(string Url, string? Secret, string? BearerToken) : ChannelConfig;

/// <summary>The in-app feed: no settings.</summary>
public sealed record InAppChannelConfig : ChannelConfig;
