namespace Vigil.Notifications.Channels;

/// <summary>A Slack, Discord or Teams channel: the incoming webhook URL the chat service gave.</summary>
/// <param name="WebhookUrl">The incoming webhook URL (it carries a token: masked in API answers).</param>
public sealed record ChatChannelConfig(string WebhookUrl) : ChannelConfig;
