namespace Vigil.Notifications.Channels;

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
