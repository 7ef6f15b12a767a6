using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Vigil.Storage.Redis;

namespace Vigil.Storage.Caching;

/// <summary>
/// Invalidations over Redis pub/sub (channel <c>vigil:cache:invalidate</c>) when
/// <c>Vigil:Redis</c> is configured. StackExchange.Redis reconnects and subscribes again by
/// itself; from a lost connection to its return the node's cache is not trusted.
/// </summary>
internal sealed partial class RedisInvalidationBus(RedisConnection redis, TimeProvider time, ILogger<RedisInvalidationBus> logger) : ICacheInvalidationBus
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("vigil:cache:invalidate");

    public string Name => "redis";

    public bool RemoteNodes => true;

    public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        var multiplexer = await redis.GetAsync(cancellationToken).ConfigureAwait(false);
        if (!multiplexer.IsConnected)
        {
            throw new InvalidOperationException("Redis is not connected.");
        }

        await multiplexer.GetSubscriber().PublishAsync(Channel, invalidation.Wire).ConfigureAwait(false);
    }

    public async Task ListenAsync(VigilCache cache, CancellationToken stoppingToken)
    {
        var multiplexer = await redis.GetAsync(stoppingToken).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, _) => cache.SetTrusted(false);
        multiplexer.ConnectionRestored += (_, _) => cache.SetTrusted(multiplexer.IsConnected);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await multiplexer.GetSubscriber().SubscribeAsync(Channel, (_, message) =>
                {
                    if (CacheInvalidation.Parse(message) is { } invalidation)
                    {
                        cache.Received(invalidation);
                    }
                }).ConfigureAwait(false);
                cache.SetTrusted(multiplexer.IsConnected);
                await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                cache.SetTrusted(false);
                LogSubscribeFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 7105, Level = LogLevel.Warning, Message = "Subscribing to cache invalidations on Redis failed; retrying in a second")]
    private partial void LogSubscribeFailed(Exception exception);
}
