using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Core;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Server.Cluster;
using Vigil.Server.Http;
using Vigil.Server.Persistence;
using Vigil.Server.Quotas;
using Vigil.Storage.Keys;

namespace Vigil.Server.Ingestion;

/// <summary><c>POST /api/v1/metrics</c> and <c>POST /api/v1/jobs/executions</c>.</summary>
internal static class IngestEndpoints
{
    /// <summary>The timing series job executions become.</summary>
    public const string JobDurationMetric = PerformanceFigures.JobDurationMetric;

    /// <summary>The counter series job executions become.</summary>
    public const string JobCountMetric = PerformanceFigures.JobCountMetric;

    private const int MaxMetadataEntries = 64;

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/metrics", IngestMetricsAsync)
            .RequireAuthorization(Auth.Policies.Ingest)
            .WithTags("Ingestion")
            .WithSummary("Records a batch of points, all or nothing.")
            .Accepts<MetricBatchRequest>("application/json")
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RefusedWhileDraining();
        app.MapPost("/api/v1/jobs/executions", IngestJobsAsync)
            .RequireAuthorization(Auth.Policies.Ingest)
            .WithTags("Ingestion")
            .WithSummary("Records job executions as timing and counter series labelled by job_id and status.")
            .Accepts<JobExecutionBatchRequest>("application/json")
            .Produces<IngestResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .RefusedWhileDraining();
        return app;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> IngestMetricsAsync(
        HttpRequest request, MetricStore store, MetricPersistence persistence, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IngestCounters counters, Alerts.EvaluationTrigger trigger, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<MetricBatchRequest>(request, json.Value.SerializerOptions, cancellationToken, checkText: false).ConfigureAwait(false);
        if (!read.IsValid)
        {
            counters.RejectedBatches.Add(1);
            return read.Problem;
        }

        var batch = read.Value;

        var validator = new PointValidator(store.Options);
        var errors = new FieldErrors(PointValidator.MaxReportedErrors);
        if (batch.Points is null)
        {
            errors.Add("points", "is required");
        }
        else if (batch.Points.Count > store.Options.MaxPointsPerBatch)
        {
            errors.Add("points", $"has {batch.Points.Count} points; at most {store.Options.MaxPointsPerBatch} are allowed per batch");
        }

        var points = new List<MetricPoint>(batch.Points?.Count ?? 0);
        if (errors.Count == 0)
        {
            var nowMs = store.NowMs;
            for (var i = 0; i < batch.Points!.Count && !errors.IsFull; i++)
            {
                var prefix = string.Create(CultureInfo.InvariantCulture, $"points[{i}]");
                var p = batch.Points[i];
                if (p is null)
                {
                    errors.Add(prefix, "must be an object, not null");
                    continue;
                }

                if (validator.CheckName(p.Name) is { } nameProblem)
                {
                    errors.Add($"{prefix}.name", nameProblem);
                }

                if (!MetricTypeNames.TryParse(p.Type, out var type))
                {
                    errors.Add($"{prefix}.type", p.Type is null ? "is required" : $"'{p.Type}' is not one of counter, gauge, timing");
                }

                if (p.Value is not { } value)
                {
                    errors.Add($"{prefix}.value", "is required");
                }
                else if (!FiniteValues.IsAccepted(value))
                {
                    errors.Add($"{prefix}.value", PointValidator.ValueRangeProblem);
                }
                else if (type == MetricType.Timing && value < 0)
                {
                    errors.Add($"{prefix}.value", "timings are durations in milliseconds and cannot be negative");
                }

                var (timestampMs, timeProblem) = validator.CheckTimestamp(p.Timestamp, nowMs);
                if (timeProblem is not null)
                {
                    errors.Add($"{prefix}.timestamp", timeProblem);
                }

                var labels = validator.CheckLabels(p.Labels, type, prefix, errors);
                points.Add(new MetricPoint(p.Name ?? "", type, p.Value ?? 0, labels, timestampMs));
            }
        }

        return await RecordAsync(request.HttpContext, points, errors, "points", store, persistence, counters, trigger, quotas, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> IngestJobsAsync(
        HttpRequest request, MetricStore store, MetricPersistence persistence, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IngestCounters counters, Alerts.EvaluationTrigger trigger, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<JobExecutionBatchRequest>(request, json.Value.SerializerOptions, cancellationToken, checkText: false).ConfigureAwait(false);
        if (!read.IsValid)
        {
            counters.RejectedBatches.Add(1);
            return read.Problem;
        }

        var batch = read.Value;

        var validator = new PointValidator(store.Options);
        var errors = new FieldErrors(PointValidator.MaxReportedErrors);
        if (batch.Executions is null)
        {
            errors.Add("executions", "is required");
        }
        else if (batch.Executions.Count * 2 > store.Options.MaxPointsPerBatch)
        {
            errors.Add("executions", $"has {batch.Executions.Count} executions; at most {store.Options.MaxPointsPerBatch / 2} are allowed per batch");
        }

        var points = new List<MetricPoint>();
        if (errors.Count == 0)
        {
            var nowMs = store.NowMs;
            for (var i = 0; i < batch.Executions!.Count && !errors.IsFull; i++)
            {
                var prefix = string.Create(CultureInfo.InvariantCulture, $"executions[{i}]");
                var e = batch.Executions[i];
                if (e is null)
                {
                    errors.Add(prefix, "must be an object, not null");
                    continue;
                }

                if (string.IsNullOrWhiteSpace(e.JobId))
                {
                    errors.Add($"{prefix}.jobId", "is required");
                }
                else if (e.JobId.Length > store.Options.MaxLabelValueLength)
                {
                    errors.Add($"{prefix}.jobId", $"is longer than {store.Options.MaxLabelValueLength} characters");
                }
                else if (ValidText.HoldsNul(e.JobId))
                {
                    errors.Add($"{prefix}.jobId", ValidText.NulMessage);
                }

                if (e.Success is null)
                {
                    errors.Add($"{prefix}.success", "is required");
                }

                if (e.DurationMs is not { } duration)
                {
                    errors.Add($"{prefix}.durationMs", "is required");
                }
                else if (!FiniteValues.IsAccepted(duration) || duration < 0)
                {
                    errors.Add($"{prefix}.durationMs", PointValidator.DurationRangeProblem);
                }

                if (e.Metadata is { Count: > MaxMetadataEntries })
                {
                    errors.Add($"{prefix}.metadata", $"has {e.Metadata.Count} entries; at most {MaxMetadataEntries} are allowed");
                }

                var (timestampMs, timeProblem) = validator.CheckTimestamp(e.Timestamp, nowMs);
                if (timeProblem is not null)
                {
                    errors.Add($"{prefix}.timestamp", timeProblem);
                }

                var labels = LabelSet.From([new("job_id", e.JobId ?? ""), new("status", e.Success == true ? "success" : "failed")]);
                points.Add(new MetricPoint(JobDurationMetric, MetricType.Timing, e.DurationMs ?? 0, labels, timestampMs));
                points.Add(new MetricPoint(JobCountMetric, MetricType.Counter, 1, labels, timestampMs));
            }
        }

        var result = await RecordAsync(request.HttpContext, points, errors, "executions", store, persistence, counters, trigger, quotas, cancellationToken).ConfigureAwait(false);
        return result.Result is Accepted<IngestResponse> ? TypedResults.Accepted((string?)null, new IngestResponse(points.Count / 2)) : result;
    }

    private static async Task<Results<Accepted<IngestResponse>, ProblemHttpResult>> RecordAsync(
        HttpContext context, List<MetricPoint> points, FieldErrors errors, string what, MetricStore store, MetricPersistence persistence, IngestCounters counters, Alerts.EvaluationTrigger trigger, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        if (errors.Count > 0)
        {
            counters.RejectedBatches.Add(1);
            return Problems.Validation(
                $"{errors.Count} problem(s) in the batch; nothing was recorded.", errors.ToDictionary());
        }

        var key = context.Features.Get<ApiKeyRecord>()?.AsQuotaHolder();
        if (AdmitRate(context, quotas, key, points.Count) is { } tooMany)
        {
            counters.RejectedBatches.Add(1);
            return tooMany;
        }

        var outcome = store.Prepare(points, store.MemoryHorizonMs, quotas.SeriesQuotaFor(key));
        if (outcome.Errors.Count > 0)
        {
            counters.RejectedBatches.Add(1);
            var conflicts = new FieldErrors(PointValidator.MaxReportedErrors);
            foreach (var error in outcome.Errors)
            {
                conflicts.Add(string.Create(CultureInfo.InvariantCulture, $"{what}[{IndexOf(what, error.Index)}].{error.Field}"), error.Message);
            }

            return Problems.Validation($"{conflicts.Count} problem(s) in the batch; nothing was recorded.", conflicts.ToDictionary());
        }

        if (outcome.OverQuota is { } quota)
        {
            counters.RejectedBatches.Add(1);
            var refused = new FieldErrors(PointValidator.MaxReportedErrors);
            foreach (var index in outcome.RefusedIndices)
            {
                refused.Add(string.Create(CultureInfo.InvariantCulture, $"{what}[{IndexOf(what, index)}]"), "would create a new series past this key's series quota");
            }

            return Problems.Validation(
                string.Create(CultureInfo.InvariantCulture,
                    $"This API key's series quota of {quota.MaxSeries} (Vigil:Quotas:SeriesPerKey, or the key's seriesQuota) is reached; the batch would create new series, so nothing was recorded. Points of the key's existing series are still accepted; an admin can drop series with DELETE /api/v1/series."),
                refused.ToDictionary(), StatusCodes.Status422UnprocessableEntity, "Series quota reached");
        }

        if (outcome.RefusedIndices.Count > 0)
        {
            counters.RejectedBatches.Add(1);
            var refused = new FieldErrors(PointValidator.MaxReportedErrors);
            foreach (var index in outcome.RefusedIndices)
            {
                refused.Add(string.Create(CultureInfo.InvariantCulture, $"{what}[{IndexOf(what, index)}]"), "would create a new series past the limit");
            }

            return Problems.Validation(
                $"The series limit of {outcome.MaxSeries} (Vigil:Metrics:MaxSeries) is reached; the batch would create new series, so nothing was recorded. Points of existing series are still accepted.",
                refused.ToDictionary(), StatusCodes.Status422UnprocessableEntity, "Too many series");
        }

        // Points older than the in-memory window go straight into the stored rollups, before
        // anything is recorded in memory: if the database fails, nothing of the batch is kept
        // and the sender can simply send it again.
        if (outcome.LatePoints.Count > 0)
        {
            await persistence.PersistLateAsync(outcome.LatePoints, cancellationToken).ConfigureAwait(false);
        }

        outcome.Commit();
        trigger.Notify(points.Select(p => p.Name)); // their rules are evaluated at once, not at the next tick

        counters.AcceptedBatches.Add(1);
        return TypedResults.Accepted((string?)null, new IngestResponse(outcome.AcceptedCount));
    }

    /// <summary>
    /// Counts <paramref name="points"/> against the key's points-per-second quota: null when
    /// admitted, else the 429 to answer with (<c>Retry-After</c> set; nothing is recorded).
    /// </summary>
    internal static ProblemHttpResult? AdmitRate(HttpContext context, IngestQuotas quotas, QuotaHolder? key, int points)
    {
        if (quotas.TryAdmit(key, points, out var wait))
        {
            return null;
        }

        var retryAfter = RetryAfter.Seconds(wait);
        return RetryAfter.TooManyRequests(context.Response, retryAfter, "Rate quota reached",
            string.Create(CultureInfo.InvariantCulture,
                $"This API key may send {quotas.PointsPerSecondOf(key!.Value)} points per second (Vigil:Quotas:PointsPerSecondPerKey, or the key's pointsPerSecondQuota); nothing was recorded. Send the batch again in {retryAfter} s."));
    }

    // Job executions become two points each; report the execution's index.
    private static int IndexOf(string what, int pointIndex) => what == "executions" ? pointIndex / 2 : pointIndex;
}
