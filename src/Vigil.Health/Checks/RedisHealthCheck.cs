using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Storage.Redis;

namespace Vigil.Health.Checks;

/// <summary>
/// Whether the configured Redis server answers a PING, and how fast (registered only when
/// <c>Vigil:Redis:ConnectionString</c> is set). A Redis that does not answer makes the check
/// <c>degraded</c>, not <c>unhealthy</c>: Redis is an optional second level, Vigil keeps serving without it.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var connection = await redis.GetAsync(cancellationToken).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object> { [HealthData.ResponseTime] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1) };
            return HealthCheckResult.Healthy("Redis answers.", data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded("Redis does not answer; Vigil works without it.", ex, new Dictionary<string, object> { ["error"] = ex.GetBaseException().Message });
        }
    }
}
