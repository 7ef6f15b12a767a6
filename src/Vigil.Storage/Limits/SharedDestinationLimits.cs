using Microsoft.Extensions.Logging;
using Vigil.Core.Limits;

namespace Vigil.Storage.Limits;

/// <summary>
/// The destination limits the processes share: in Redis when one is configured, in PostgreSQL
/// otherwise — and in PostgreSQL while Redis does not answer (the limits then start over there,
/// which lets a burst through once; no error reaches a delivery). On SQLite there is one process
/// and nothing to share: not registered.
/// </summary>
public sealed partial class SharedDestinationLimits(PostgresDestinationLimits postgres, RedisDestinationLimits? redis, ILogger<SharedDestinationLimits> logger) : IDestinationLimits
{
    private int _redisDown;

    /// <inheritdoc />
    public async ValueTask<DestinationGate> EnterAsync(string destination, int permits, TimeSpan period, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        if (redis is not null)
        {
            try
            {
                var gate = await redis.EnterAsync(destination, permits, period, breakDuration, cancellationToken).ConfigureAwait(false);
                RedisAnswered();
                return gate;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                RedisFailed(ex);
            }
        }

        return await postgres.EnterAsync(destination, permits, period, breakDuration, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(string destination, bool failed, int threshold, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        if (redis is not null)
        {
            try
            {
                await redis.RecordAsync(destination, failed, threshold, breakDuration, cancellationToken).ConfigureAwait(false);
                RedisAnswered();
                return;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                RedisFailed(ex);
            }
        }

        await postgres.RecordAsync(destination, failed, threshold, breakDuration, cancellationToken).ConfigureAwait(false);
    }

    private void RedisFailed(Exception ex)
    {
        if (Interlocked.Exchange(ref _redisDown, 1) == 0)
        {
            LogRedisDown(ex);
        }
    }

    private void RedisAnswered()
    {
        if (Interlocked.Exchange(ref _redisDown, 0) == 1)
        {
            LogRedisBack();
        }
    }

    [LoggerMessage(EventId = 7120, Level = LogLevel.Warning, Message = "Redis does not answer: destination breakers and rate limits are shared through PostgreSQL until it does")]
    private partial void LogRedisDown(Exception exception);

    [LoggerMessage(EventId = 7121, Level = LogLevel.Information, Message = "Redis answers again: destination breakers and rate limits are shared through it")]
    private partial void LogRedisBack();
}
