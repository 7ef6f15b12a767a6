using Vigil.Core.Metrics;

namespace Vigil.Core.Queries;

/// <summary>Figures of one job over a window.</summary>
/// <param name="JobId">The job id.</param>
/// <param name="Executions">Executions in the window.</param>
/// <param name="Failed">Executions that failed.</param>
/// <param name="SuccessRate">Percent of executions that succeeded, rounded to two decimals.</param>
/// <param name="AvgMs">Mean duration, ms.</param>
/// <param name="P95Ms">95th percentile duration, ms.</param>
public sealed record JobFigures(string JobId, long Executions, long Failed, double SuccessRate, double? AvgMs, double? P95Ms);

/// <summary>Request figures over a window, across every series of the request-timing metric.</summary>
/// <param name="Requests">Requests in the window.</param>
/// <param name="ErrorRate">Percent of requests with a 5xx or error status.</param>
/// <param name="AvgMs">Mean response time, ms.</param>
/// <param name="P95Ms">95th percentile response time, ms.</param>
public sealed record RequestFigures(long Requests, double? ErrorRate, double? AvgMs, double? P95Ms);

/// <summary>
/// The seed-002 performance summary of the in-memory window: per job (executions, success rate,
/// avg and p95 time) and for requests. One piece of code behind <c>GET /api/v1/metrics</c> and the
/// dashboard's overview; each job and request series is aggregated once.
/// </summary>
public static class PerformanceFigures
{
    /// <summary>The timing series job executions become (labels <c>job_id</c>, <c>status</c>).</summary>
    public const string JobDurationMetric = "job_execution_duration_ms";

    /// <summary>The counter series job executions become.</summary>
    public const string JobCountMetric = "job_executions_total";

    /// <summary>The request-timing metric the SDK middleware records.</summary>
    public const string RequestMetric = "http_request_duration_ms";

    /// <summary>The series a summary aggregates (for the query budget).</summary>
    public static long SeriesCount(MetricStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return (store.Family(JobDurationMetric)?.Series.Count ?? 0) + (store.Family(RequestMetric)?.Series.Count ?? 0);
    }

    /// <summary>Per job id (ordinal order), the figures of the last <paramref name="window"/>; jobs without executions in it are left out.</summary>
    /// <param name="store">The metrics.</param>
    /// <param name="window">The window, up to now.</param>
    /// <param name="jobId">One job only, or null for all.</param>
    /// <param name="cancellationToken">Checked between jobs.</param>
    public static IReadOnlyList<JobFigures> Jobs(MetricStore store, TimeSpan window, string? jobId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var jobs = new List<JobFigures>();
        if (store.Family(JobDurationMetric) is not { } family)
        {
            return jobs;
        }

        var fromMs = store.NowMs - (long)window.TotalMilliseconds;
        var accumulator = new WindowAccumulator();
        foreach (var group in family.Series.ToArray().GroupBy(s => s.Labels["job_id"] ?? "").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (jobId is not null && group.Key != jobId)
            {
                continue;
            }

            accumulator.Reset();
            foreach (var series in group)
            {
                series.AggregateInto(accumulator, fromMs, long.MaxValue);
            }

            if (accumulator.Count == 0)
            {
                continue;
            }

            var failed = accumulator.ErrorCount;
            jobs.Add(new JobFigures(group.Key, accumulator.Count, failed, Math.Round(100.0 * (accumulator.Count - failed) / accumulator.Count, 2),
                accumulator.Value(Aggregation.Avg, window), accumulator.Quantile(0.95)));
        }

        accumulator.Reset();
        return jobs;
    }

    /// <summary>The request figures of the last <paramref name="window"/>.</summary>
    public static RequestFigures Requests(MetricStore store, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(store);
        var accumulator = new WindowAccumulator();
        if (store.Family(RequestMetric) is { Type: MetricType.Timing } requests)
        {
            var fromMs = store.NowMs - (long)window.TotalMilliseconds;
            foreach (var series in requests.Series)
            {
                series.AggregateInto(accumulator, fromMs, long.MaxValue);
            }
        }

        var figures = new RequestFigures(accumulator.Count, accumulator.Value(Aggregation.ErrorRatePercent, window), accumulator.Value(Aggregation.Avg, window), accumulator.Quantile(0.95));
        accumulator.Reset();
        return figures;
    }
}
