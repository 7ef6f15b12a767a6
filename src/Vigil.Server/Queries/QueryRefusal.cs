namespace Vigil.Server.Queries;

/// <summary>Why <see cref="QueryGate"/> refused a query a slot.</summary>
internal enum QueryRefusal
{
    /// <summary>Not refused: the slot is held.</summary>
    None,

    /// <summary>The key already has its share of the queue waiting (<see cref="QueryOptions.MaxQueuedPerKey"/>).</summary>
    KeyQueueFull,

    /// <summary>The whole queue is full (<see cref="QueryOptions.MaxQueued"/>).</summary>
    QueueFull,
}
