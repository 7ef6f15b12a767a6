namespace Vigil.Storage.Caching;

/// <summary>How invalidations travel between the nodes sharing one database.</summary>
internal interface ICacheInvalidationBus
{
    /// <summary><c>local</c>, <c>postgres</c> or <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>Whether other nodes may share the data (false on SQLite: one node, nothing to send).</summary>
    bool RemoteNodes { get; }

    /// <summary>Sends an invalidation to every node (this one hears it too and ignores it).</summary>
    ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken);

    /// <summary>
    /// Hears invalidations until <paramref name="stoppingToken"/> fires, handing each to
    /// <paramref name="cache"/> and telling it whenever hearing starts or stops.
    /// </summary>
    Task ListenAsync(VigilCache cache, CancellationToken stoppingToken);
}

/// <summary>SQLite: one node, nothing to tell anyone.</summary>
internal sealed class LocalInvalidationBus : ICacheInvalidationBus
{
    public string Name => "local";

    public bool RemoteNodes => false;

    public ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public Task ListenAsync(VigilCache cache, CancellationToken stoppingToken) => Task.CompletedTask;
}
