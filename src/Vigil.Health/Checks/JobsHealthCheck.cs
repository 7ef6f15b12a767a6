using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Queue;

namespace Vigil.Health.Checks;

/// <summary>
/// The durable job queue (deliveries, digests, relayed webhooks): <c>degraded</c> when the share
/// of dead-lettered jobs among those finished within <see cref="HealthOptions.JobsFailureWindow"/>
/// reaches <see cref="HealthOptions.JobsFailureRatePercent"/> (seed 002: 50 %), when
/// <see cref="HealthOptions.StuckJobs"/> running jobs have an expired lease (10), or when the
/// dead-letter queue holds <see cref="HealthOptions.DeadLetters"/> jobs (100); <c>unhealthy</c>
/// when the queue cannot be read. Degraded, not unhealthy: failing destinations do not stop
/// Vigil from ingesting and evaluating, and taking the node out of a load balancer would not help them.
/// </summary>
internal sealed class JobsHealthCheck(JobQueue queue, IOptionsMonitor<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        JobCounts counts;
        FinishedCounts finished;
        try
        {
            counts = await queue.CountsAsync(cancellationToken).ConfigureAwait(false);
            finished = await queue.FinishedSinceAsync(time.GetUtcNow() - settings.JobsFailureWindow, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The job queue cannot be read.", ex, new Dictionary<string, object> { ["error"] = ex.GetBaseException().Message });
        }

        var failureRate = Math.Round(finished.FailureRatePercent, 2);
        var data = new Dictionary<string, object>
        {
            [HealthData.ResponseTime] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1),
            ["queued"] = counts.Queued,
            ["retrying"] = counts.Retrying,
            ["processing"] = counts.Processing,
            ["pending"] = counts.Pending,
            ["stuck"] = counts.ExpiredLeases,
            ["deadLetters"] = counts.Dead,
            ["finished"] = finished.Total,
            ["failed"] = finished.Dead,
            ["failureRate"] = failureRate,
            ["failureWindowMinutes"] = settings.JobsFailureWindow.TotalMinutes,
            ["thresholds"] = new Dictionary<string, object>
            {
                ["failureRate"] = settings.JobsFailureRatePercent,
                ["stuckJobs"] = settings.StuckJobs,
                ["deadLetterQueue"] = settings.DeadLetters,
            },
        };

        var problems = new List<string>();
        if (finished.Total >= settings.JobsFailureMinJobs && finished.FailureRatePercent >= settings.JobsFailureRatePercent)
        {
            problems.Add($"{failureRate} % of the {finished.Total} jobs finished in the last {settings.JobsFailureWindow.TotalMinutes:0} min failed (threshold {settings.JobsFailureRatePercent} %)");
        }

        if (counts.ExpiredLeases >= settings.StuckJobs)
        {
            problems.Add($"{counts.ExpiredLeases} running jobs have an expired lease (threshold {settings.StuckJobs})");
        }

        if (counts.Dead >= settings.DeadLetters)
        {
            problems.Add($"the dead-letter queue holds {counts.Dead} jobs (threshold {settings.DeadLetters})");
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy("The job queue is working.", data)
            : HealthCheckResult.Degraded($"The job queue is degraded: {string.Join("; ", problems)}.", data: data);
    }
}
