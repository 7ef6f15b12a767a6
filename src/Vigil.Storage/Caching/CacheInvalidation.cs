namespace Vigil.Storage.Caching;

/// <summary>One invalidation between nodes: who sent it and the tag; on the wire <c>node tag</c>.</summary>
/// <param name="Node">The sending process (<see cref="VigilCache.NodeId"/>).</param>
/// <param name="Tag">The tag invalidated.</param>
internal sealed record CacheInvalidation(string Node, string Tag)
{
    /// <summary>The message as sent.</summary>
    public string Wire => Node + " " + Tag;

    /// <summary>A message as received; null when it is not one.</summary>
    public static CacheInvalidation? Parse(string? wire) =>
        wire?.Split(' ', 2) is [{ Length: > 0 } node, { Length: > 0 } tag] ? new CacheInvalidation(node, tag) : null;
}
