namespace Vigil.Notifications.Channels;

/// <summary>A problem with one field of a channel, named as in the JSON body (<c>config.url</c>, <c>config.to[1]</c>, <c>maxConcurrency</c>).</summary>
/// <param name="Field">The JSON path of the field, without the leading <c>$.</c>.</param>
/// <param name="Message">What is wrong, for people.</param>
public sealed record ChannelProblem(string Field, string Message);
