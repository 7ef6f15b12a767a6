using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Health;

/// <summary>
/// The <c>platforms</c> health check (seed 002): the share of enabled monitors that are down or
/// failing. Above <see cref="MonitoringOptions.UnhealthyAbovePercent"/> (30 %) unhealthy; any
/// below it degraded; none healthy.
/// </summary>
public sealed class PlatformsHealthCheck(MonitorRepository repository, IOptions<MonitoringOptions> options) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var monitors = (await repository.ListAsync(cancellationToken).ConfigureAwait(false)).Where(m => m.Enabled && m.State.Status is not null).ToList();
        var down = monitors.Count(m => m.State.Status == "down");
        var failing = monitors.Count(m => m.State.Status is "down" or "pending");
        var degraded = monitors.Count(m => m.State.Status == "degraded");
        var rate = monitors.Count == 0 ? 0 : Math.Round(100.0 * failing / monitors.Count, 1);
        var threshold = options.Value.UnhealthyAbovePercent;
        var data = new Dictionary<string, object>
        {
            ["monitors"] = monitors.Count,
            ["down"] = down,
            ["failing"] = failing,
            ["degraded"] = degraded,
            ["failureRate"] = rate,
            ["unhealthyAbovePercent"] = threshold,
            ["downMonitors"] = monitors.Where(m => m.State.Status is "down" or "pending").Select(m => m.Name).Take(20).ToArray(),
        };
        var summary = string.Create(CultureInfo.InvariantCulture, $"{failing} of {monitors.Count} monitors failing ({rate:0.#} %)");
        if (failing > 0 && rate > threshold)
        {
            return HealthCheckResult.Unhealthy($"{summary}, above {threshold.ToString("0.#", CultureInfo.InvariantCulture)} %.", data: data);
        }

        return failing > 0 || degraded > 0
            ? HealthCheckResult.Degraded($"{summary}, {degraded} degraded.", data: data)
            : HealthCheckResult.Healthy(monitors.Count == 0 ? "No monitors are checked yet." : $"All {monitors.Count} monitors are up.", data);
    }
}
