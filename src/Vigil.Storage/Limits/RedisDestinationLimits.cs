using System.Globalization;
using StackExchange.Redis;
using Vigil.Core.Limits;
using Vigil.Storage.Redis;

namespace Vigil.Storage.Limits;

/// <summary>
/// Destination limits in Redis: a hash per destination (<c>vigil:destination:{key}</c>), changed by
/// Lua scripts that Redis runs one at a time, with the same rules as
/// <see cref="PostgresDestinationLimits"/>. A hash idle for a day expires.
/// </summary>
public sealed class RedisDestinationLimits(RedisConnection redis, TimeProvider time) : IDestinationLimits
{
    private const string KeyPrefix = "vigil:destination:";

    // ARGV: now, permits, per_ms, break_ms. Numbers go back as strings (Redis truncates Lua numbers).
    private const string EnterScript = """
        local now, permits, per_ms, break_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local h = redis.call('HMGET', KEYS[1], 'tokens', 'refilled_at', 'open_until')
        local tokens = tonumber(h[1]) or permits
        local refilled = tonumber(h[2]) or now
        local open = tonumber(h[3])
        local avail = math.min(permits, tokens + (now - refilled) * per_ms)
        local verdict = 0
        if open and open > now then verdict = 1 elseif avail < 1 then verdict = 2 end
        if verdict == 0 then
          avail = avail - 1
          if open then open = now + break_ms; redis.call('HSET', KEYS[1], 'open_until', open) end
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(avail), 'refilled_at', tostring(now))
        redis.call('PEXPIRE', KEYS[1], 86400000)
        return {verdict, tostring(open or ''), tostring(avail)}
        """;

    // ARGV: now, failed (1/0), threshold, break_ms.
    private const string RecordScript = """
        if ARGV[2] ~= '1' then redis.call('HDEL', KEYS[1], 'failures', 'open_until') return 0 end
        local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
        if failures >= tonumber(ARGV[3]) or redis.call('HEXISTS', KEYS[1], 'open_until') == 1 then
          redis.call('HSET', KEYS[1], 'open_until', tostring(tonumber(ARGV[1]) + tonumber(ARGV[4])))
        end
        redis.call('PEXPIRE', KEYS[1], 86400000)
        return failures
        """;

    /// <inheritdoc />
    public async ValueTask<DestinationGate> EnterAsync(string destination, int permits, TimeSpan period, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var perMs = permits / period.TotalMilliseconds;
        var db = (await redis.GetAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(
            EnterScript,
            [KeyPrefix + destination],
            [now, permits, perMs.ToString("R", CultureInfo.InvariantCulture), (long)breakDuration.TotalMilliseconds]).ConfigureAwait(false))!;
        var open = (string?)result[1];
        return DestinationGates.Of(
            (int)result[0],
            string.IsNullOrEmpty(open) ? null : (long)double.Parse(open, CultureInfo.InvariantCulture),
            double.Parse((string)result[2]!, CultureInfo.InvariantCulture),
            now,
            perMs);
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(string destination, bool failed, int threshold, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        var db = (await redis.GetAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();
        await db.ScriptEvaluateAsync(
            RecordScript,
            [KeyPrefix + destination],
            [time.GetUtcNow().ToUnixTimeMilliseconds(), failed ? 1 : 0, threshold, (long)breakDuration.TotalMilliseconds]).ConfigureAwait(false);
    }
}
