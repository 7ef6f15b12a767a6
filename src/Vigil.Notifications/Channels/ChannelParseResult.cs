namespace Vigil.Notifications.Channels;

/// <summary>The outcome of reading a channel body: the channel when it is valid, else every problem.</summary>
/// <param name="Channel">The channel, or <see langword="null"/> when there are problems.</param>
/// <param name="Problems">Every problem found, each naming its field; empty when valid.</param>
public sealed record ChannelParseResult(ChannelDefinition? Channel, IReadOnlyList<ChannelProblem> Problems)
{
    /// <summary>Gets a value indicating whether the body is a valid channel.</summary>
    public bool IsValid => Channel is not null;
}
