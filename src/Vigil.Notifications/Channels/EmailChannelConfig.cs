namespace Vigil.Notifications.Channels;

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
