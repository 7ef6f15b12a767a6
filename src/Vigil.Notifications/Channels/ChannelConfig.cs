namespace Vigil.Notifications.Channels;

/// <summary>The settings of one kind of channel; the concrete type matches <see cref="ChannelDefinition.Type"/>.</summary>
public abstract record ChannelConfig;
