using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vigil.Storage.Caching;

/// <summary>
/// Vigil's one read cache: <see cref="HybridCache"/> (concurrent misses of one key wait for one
/// load — stampede protection) with the lifetimes of <see cref="CacheOptions"/>, tags that writes
/// invalidate on this node and, through <see cref="ICacheInvalidationBus"/>, on every other node
/// (Redis pub/sub, else PostgreSQL LISTEN/NOTIFY; SQLite is one node), and hit/miss counts.
/// </summary>
/// <remarks>
/// An invalidation moves the tag to a new generation, part of every key under it: a load that
/// began before the write can neither be joined nor read after it. While invalidations cannot be
/// heard (Redis or the listening connection lost) the cache is not trusted and every read goes to
/// the database; when they can again, everything cached before is dropped.
/// </remarks>
public sealed partial class VigilCache
{
    private readonly HybridCache _cache;
    private readonly IOptions<CacheOptions> _options;
    private readonly ICacheInvalidationBus _bus;
    private readonly TimeProvider _time;
    private readonly ILogger<VigilCache> _logger;
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _epoch;
    private long _hits;
    private long _misses;
    private readonly TaskCompletionSource _firstTrusted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _trusted;

    /// <summary>Creates the cache.</summary>
    internal VigilCache(HybridCache cache, IOptions<CacheOptions> options, ICacheInvalidationBus bus, TimeProvider time, ILogger<VigilCache> logger)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _cache = cache;
        _options = options;
        _bus = bus;
        _time = time;
        _logger = logger;

        // A node alone trusts its cache from the start; the others once they hear invalidations.
        _trusted = !bus.RemoteNodes;
        if (_trusted)
        {
            _firstTrusted.SetResult();
        }
    }

    /// <summary>This process, in the invalidations it sends (its own are not applied twice).</summary>
    internal string NodeId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Completes when the cache is first trusted (at once on SQLite; once invalidations are heard otherwise).</summary>
    internal Task FirstTrusted => _firstTrusted.Task;

    /// <summary>Whether reads are answered from the cache now (see the remarks).</summary>
    public bool Trusted => _trusted;

    /// <summary>
    /// The value cached under <paramref name="tag"/> and <paramref name="key"/>, or what
    /// <paramref name="factory"/> loads (once, however many callers miss together), kept for the
    /// <paramref name="tier"/>'s lifetime or until the tag is invalidated. Kept in this process only.
    /// </summary>
    public async ValueTask<T> GetOrCreateAsync<T>(
        string tag, string key, CacheTier tier, Func<CancellationToken, ValueTask<T>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(factory);
        var settings = _options.Value;
        if (!settings.Enabled || !_trusted)
        {
            Interlocked.Increment(ref _misses);
            return await factory(cancellationToken).ConfigureAwait(false);
        }

        var epoch = Interlocked.Read(ref _epoch);
        var generation = _generations.GetValueOrDefault(tag);
        var fullKey = string.Create(CultureInfo.InvariantCulture, $"{tag}/{generation}.{epoch}/{key}");
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_entries.TryGetValue(fullKey, out var entry) && entry.ExpiresAtMs <= nowMs)
        {
            // Lifetimes follow this cache's clock (a fake one in tests), whatever HybridCache's own.
            _entries.TryRemove(fullKey, out _);
            await _cache.RemoveAsync(fullKey, cancellationToken).ConfigureAwait(false);
        }

        var ttl = settings.Of(tier);
        var loaded = false;
        var held = await _cache.GetOrCreateAsync(
            fullKey,
            async token =>
            {
                loaded = true;
                return new Held<T>(await factory(token).ConfigureAwait(false));
            },
            new HybridCacheEntryOptions { Expiration = ttl, LocalCacheExpiration = ttl, Flags = HybridCacheEntryFlags.DisableDistributedCache },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (loaded)
        {
            Interlocked.Increment(ref _misses);
            _entries[fullKey] = new Entry(tag, generation, epoch, nowMs + (long)ttl.TotalMilliseconds);
        }
        else
        {
            Interlocked.Increment(ref _hits);
        }

        return held.Value;
    }

    /// <summary>
    /// Invalidates everything under <paramref name="tag"/> here and tells the other nodes. Call it
    /// after every write of what the tag covers. A failure to tell them is logged, not thrown: the
    /// write has happened, and the nodes that cannot hear stop trusting their cache by themselves.
    /// </summary>
    public async ValueTask InvalidateAsync(string tag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        await InvalidateLocalAsync(tag).ConfigureAwait(false);
        try
        {
            await _bus.PublishAsync(new CacheInvalidation(NodeId, tag), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(ex, tag, _bus.Name);
        }
    }

    /// <summary>The counts since start-up.</summary>
    public CacheStatistics Statistics()
    {
        var hits = Interlocked.Read(ref _hits);
        var misses = Interlocked.Read(ref _misses);
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var epoch = Interlocked.Read(ref _epoch);
        var entries = _entries.Values.Count(e => e.ExpiresAtMs > nowMs && e.Epoch == epoch && e.Generation == _generations.GetValueOrDefault(e.Tag));
        double? rate = hits + misses > 0 ? Math.Round(100.0 * hits / (hits + misses), 2) : null;
        return new CacheStatistics(hits, misses, rate, entries, _bus.Name, _trusted);
    }

    /// <summary>An invalidation heard from another node (its own are ignored): applied before this returns.</summary>
    internal void Received(CacheInvalidation invalidation)
    {
        if (invalidation.Node != NodeId)
        {
            // The new generation applies at once; freeing the old entries' memory may finish later.
            _ = InvalidateLocalAsync(invalidation.Tag).AsTask().ContinueWith(
                static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Whether invalidations can be heard: false sends every read to the database; true again first
    /// drops everything cached before, since invalidations may have been missed meanwhile.
    /// </summary>
    internal void SetTrusted(bool trusted)
    {
        if (trusted == _trusted)
        {
            return;
        }

        if (trusted)
        {
            Interlocked.Increment(ref _epoch);
            foreach (var key in _entries.Keys)
            {
                if (_entries.TryRemove(key, out _))
                {
                    _ = _cache.RemoveAsync(key, CancellationToken.None).AsTask();
                }
            }

            _trusted = true;
            _firstTrusted.TrySetResult();
            LogTrusted(_bus.Name);
        }
        else
        {
            _trusted = false;
            LogUntrusted(_bus.Name);
        }
    }

    private async ValueTask InvalidateLocalAsync(string tag)
    {
        _generations.AddOrUpdate(tag, 1, (_, g) => g + 1);
        foreach (var (key, entry) in _entries)
        {
            // Unreachable already (a new generation); removed to free the memory now.
            if (entry.Tag == tag && _entries.TryRemove(key, out _))
            {
                await _cache.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "The cache invalidation of {Tag} could not be sent over {Bus}; nodes that cannot hear it read from the database until it is back")]
    private partial void LogPublishFailed(Exception exception, string tag, string bus);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Cache invalidations over {Bus} cannot be heard: reads go to the database until they can")]
    private partial void LogUntrusted(string bus);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Cache invalidations over {Bus} are heard: the cache is used again (emptied first)")]
    private partial void LogTrusted(string bus);

    private sealed record Entry(string Tag, long Generation, long Epoch, long ExpiresAtMs);

    // Marked immutable so HybridCache keeps the instance itself in memory instead of serialising
    // it on every write and read (the values are read-only lists and dictionaries shared by readers).
    [ImmutableObject(true)]
    private sealed class Held<T>(T value)
    {
        public T Value { get; } = value;
    }
}
