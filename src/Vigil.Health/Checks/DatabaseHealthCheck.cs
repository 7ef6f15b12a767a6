using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Storage;

namespace Vigil.Health.Checks;

/// <summary>
/// Whether the database answers, and how fast: <c>degraded</c> above
/// <see cref="HealthOptions.DatabaseDegradedAfter"/> (seed 002: 500 ms), <c>unhealthy</c> when it
/// does not answer. The probe's duration is measured on the monotonic clock (real I/O, not time
/// that a test's fake clock could stand still for).
/// </summary>
internal sealed class DatabaseHealthCheck(Database database, IOptionsMonitor<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var provider = database.Provider.ToString().ToLowerInvariant();
        var started = Stopwatch.GetTimestamp();
        try
        {
            await database.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(
                "The database does not answer.", ex, new Dictionary<string, object> { ["provider"] = provider, ["error"] = ex.GetBaseException().Message });
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var limit = options.CurrentValue.DatabaseDegradedAfter;
        var data = new Dictionary<string, object>
        {
            [HealthData.ResponseTime] = Math.Round(elapsed.TotalMilliseconds, 1),
            ["provider"] = provider,
            ["thresholdMs"] = limit.TotalMilliseconds,
        };
        return elapsed > limit
            ? HealthCheckResult.Degraded($"The database answered in {elapsed.TotalMilliseconds:F1} ms (over {limit.TotalMilliseconds:F0} ms).", data: data)
            : HealthCheckResult.Healthy("The database answers.", data);
    }
}
