using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Performance.Operations;
using Vigil.Server.Hosting;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Server.Prometheus;

namespace Vigil.Server.Queries;

/// <summary><c>GET /api/v1/metrics</c>: jobs and system figures, as JSON or Prometheus text.</summary>
internal static class SummaryEndpoints
{
    /// <summary>The request-timing metric the SDK middleware records.</summary>
    public const string RequestMetric = PerformanceFigures.RequestMetric;

    public static IEndpointRouteBuilder MapSummaryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/metrics", GetAsync)
            .RequireAuthorization(Auth.Policies.Viewer)
            .WithTags("Queries")
            .WithSummary("Jobs (executions, success rate, avg and p95 time) and system request figures over a window, and performance tracking's summary (snapshot, trends, slowest operations, open regressions).")
            .WithDescription("Query: jobId (one job), window (default 1h, at most the in-memory retention), format=prometheus for the text format of the job and request series.")
            .Produces<MetricsSummary>()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithQueryLimits();
        return app;
    }

    private static readonly Dictionary<string, string> Advice = new(StringComparer.Ordinal)
    {
        ["jobId"] = "ask for one job with jobId",
    };

    private static async Task<IResult> GetAsync(HttpContext context, MetricStore store, PrometheusExporter exporter, ProcessClock clock, QueryBudget budget, OperationsView operations)
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

        // Each job and request series is aggregated once over the window.
        var cost = new QueryCost(PerformanceFigures.SeriesCount(store), 1, 0);
        if (budget.Check(cost, Advice) is { } tooExpensive)
        {
            return tooExpensive;
        }

        if (format == "prometheus")
        {
            await PrometheusEndpoints.WriteAsync(context, exporter, includeOwn: false, series =>
                (series.Name is IngestEndpoints.JobDurationMetric or IngestEndpoints.JobCountMetric && (jobId is null || series.Labels["job_id"] == jobId))
                || (jobId is null && series.Name == RequestMetric)).ConfigureAwait(false);
            return Results.Empty;
        }

        var nowMs = store.NowMs;
        var jobs = PerformanceFigures.Jobs(store, window, jobId, context.RequestAborted)
            .Select(j => new JobSummary(j.JobId, j.Executions, j.SuccessRate, j.AvgMs, j.P95Ms))
            .ToList();
        var requests = PerformanceFigures.Requests(store, window);
        var system = new SystemSummary((long)clock.Uptime.TotalMilliseconds, requests.Requests, requests.ErrorRate, requests.AvgMs, requests.P95Ms);
        var tracked = await operations.ListAsync(jobId is null ? null : "job", null, context.RequestAborted).ConfigureAwait(false);
        var performance = PerformanceSummary.Of(jobId is null ? tracked : [.. tracked.Where(o => o.Name == jobId)]);
        return TypedResults.Ok(new MetricsSummary(DateTimeOffset.FromUnixTimeMilliseconds(nowMs), FormatWindow(window), jobs, system, performance));
    }

    private static string FormatWindow(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours}h" : $"{window.TotalMinutes}m";
}
