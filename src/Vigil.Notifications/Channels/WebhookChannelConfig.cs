namespace Vigil.Notifications.Channels;

/// <summary>A generic webhook channel.</summary>
/// <param name="Url">Where to POST the notification.</param>
/// <param name="Secret">
/// The Standard Webhooks signing secret, or <see langword="null"/> to send unsigned. With the
/// <c>whsec_</c> prefix the rest is the base64 of the key (as Standard Webhooks libraries expect);
/// without it the key is the secret's UTF-8 bytes.
/// </param>
/// <param name="BearerToken">Sent as <c>Authorization: Bearer &lt;token&gt;</c> when set.</param>
public sealed record WebhookChannelConfig(string Url, string? Secret, string? BearerToken) : ChannelConfig;
