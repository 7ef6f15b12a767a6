namespace Vigil.Notifications.Channels;

/// <summary>The in-app feed: no settings.</summary>
public sealed record InAppChannelConfig : ChannelConfig;
