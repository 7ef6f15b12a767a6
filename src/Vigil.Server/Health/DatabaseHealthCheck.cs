using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Storage;

namespace Vigil.Server.Health;

/// <summary>Checks that the database answers, and how fast (degraded above 500 ms, as seed 002 sets).</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public static readonly TimeSpan DegradedAbove = TimeSpan.FromMilliseconds(500);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await database.PingAsync(cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var data = new Dictionary<string, object> { ["responseTime"] = Math.Round(elapsed.TotalMilliseconds, 1), ["provider"] = database.Provider.ToString().ToLowerInvariant() };
            return elapsed > DegradedAbove
                ? HealthCheckResult.Degraded($"The database answered in {elapsed.TotalMilliseconds:F0} ms (over {DegradedAbove.TotalMilliseconds} ms).", data: data)
                : HealthCheckResult.Healthy("The database answers.", data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", ex);
        }
    }
}
