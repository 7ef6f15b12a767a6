using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Metrics;
using Vigil.Server.Hosting;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Server.Prometheus;

namespace Vigil.Server.Queries;

/// <summary>The answer of <c>GET /api/v1/metrics</c> (the seed-002 summary shape).</summary>
/// <param name="Timestamp">When the summary was computed.</param>
/// <param name="Window">The window the figures cover, e.g. <c>1h</c>.</param>
/// <param name="Jobs">One entry per job id.</param>
/// <param name="System">Request figures across every service that reports <c>http_request_duration_ms</c>.</param>
public sealed record MetricsSummary(DateTimeOffset Timestamp, string Window, IReadOnlyList<JobSummary> Jobs, SystemSummary System);

/// <summary>Figures of one job over the window.</summary>
/// <param name="JobId">The job id.</param>
/// <param name="TotalExecutions">Executions in the window.</param>
/// <param name="SuccessRate">Percent of executions that succeeded.</param>
/// <param name="AvgExecutionTime">Mean duration, ms.</param>
/// <param name="P95ExecutionTime">95th percentile duration, ms.</param>
public sealed record JobSummary(string JobId, long TotalExecutions, double SuccessRate, double? AvgExecutionTime, double? P95ExecutionTime);

/// <summary>Request figures over the window.</summary>
/// <param name="Uptime">Milliseconds since this Vigil process started.</param>
/// <param name="Requests">Requests in the window.</param>
/// <param name="ErrorRate">Percent of requests with a 5xx or error status.</param>
/// <param name="AvgResponseTime">Mean response time, ms.</param>
/// <param name="P95ResponseTime">95th percentile response time, ms.</param>
public sealed record SystemSummary(long Uptime, long Requests, double? ErrorRate, double? AvgResponseTime, double? P95ResponseTime);

/// <summary><c>GET /api/v1/metrics</c>: jobs and system figures, as JSON or Prometheus text.</summary>
internal static class SummaryEndpoints
{
    /// <summary>The request-timing metric the SDK middleware records.</summary>
    public const string RequestMetric = "http_request_duration_ms";

    public static IEndpointRouteBuilder MapSummaryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/metrics", GetAsync)
            .RequireAuthorization(Auth.Policies.Viewer)
            .WithTags("Queries")
            .WithSummary("Jobs (executions, success rate, avg and p95 time) and system request figures over a window.")
            .WithDescription("Query: jobId (one job), window (default 1h, at most the in-memory retention), format=prometheus for the text format of the job and request series.")
            .Produces<MetricsSummary>();
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext context, MetricStore store, PrometheusExporter exporter, ProcessClock clock)
    {
        var query = context.Request.Query;
        var jobId = query["jobId"].Count > 0 ? query["jobId"].ToString() : null;
        var format = query["format"].ToString();
        if (format is not ("" or "json" or "prometheus"))
        {
            return Problems.Field("format", $"'{format}' is not one of json, prometheus");
        }

        var window = store.Options.InMemoryRetention;
        if (query["window"].Count > 0 && (!QueryParsing.TryParseDuration(query["window"], out window) || window > store.Options.InMemoryRetention))
        {
            return Problems.Field("window", $"must be a duration up to the in-memory retention ({store.Options.InMemoryRetention.TotalMinutes} min), e.g. 15m or 1h");
        }

        if (format == "prometheus")
        {
            await PrometheusEndpoints.WriteAsync(context, exporter, includeOwn: false, series =>
                (series.Name is IngestEndpoints.JobDurationMetric or IngestEndpoints.JobCountMetric && (jobId is null || series.Labels["job_id"] == jobId))
                || (jobId is null && series.Name == RequestMetric)).ConfigureAwait(false);
            return Results.Empty;
        }

        var nowMs = store.NowMs;
        var fromMs = nowMs - (long)window.TotalMilliseconds;
        var jobs = new List<JobSummary>();
        var accumulator = new WindowAccumulator();
        if (store.Family(IngestEndpoints.JobDurationMetric) is { } jobFamily)
        {
            foreach (var group in jobFamily.Series.ToArray().GroupBy(s => s.Labels["job_id"] ?? "").OrderBy(g => g.Key, StringComparer.Ordinal))
            {
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
                jobs.Add(new JobSummary(group.Key, accumulator.Count, Math.Round(100.0 * (accumulator.Count - failed) / accumulator.Count, 2),
                    accumulator.Value(Aggregation.Avg, window), accumulator.Quantile(0.95)));
            }
        }

        accumulator.Reset();
        if (store.Family(RequestMetric) is { Type: MetricType.Timing } requests)
        {
            foreach (var series in requests.Series)
            {
                series.AggregateInto(accumulator, fromMs, long.MaxValue);
            }
        }

        var system = new SystemSummary(
            (long)clock.Uptime.TotalMilliseconds, accumulator.Count, accumulator.Value(Aggregation.ErrorRatePercent, window),
            accumulator.Value(Aggregation.Avg, window), accumulator.Quantile(0.95));
        accumulator.Reset();
        return TypedResults.Ok(new MetricsSummary(DateTimeOffset.FromUnixTimeMilliseconds(nowMs), FormatWindow(window), jobs, system));
    }

    private static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours}h" : $"{window.TotalMinutes}m";
}
