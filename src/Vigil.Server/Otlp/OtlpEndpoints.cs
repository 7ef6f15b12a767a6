using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Core;
using Vigil.Core.Metrics;
using Vigil.Otlp;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Traces;
using Vigil.Server.Cluster;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Server.Persistence;
using Vigil.Server.Quotas;
using Vigil.Storage.Keys;

namespace Vigil.Server.Otlp;

/// <summary>
/// <c>POST /v1/metrics</c> (and <c>/otlp/v1/metrics</c>): the OpenTelemetry protocol over HTTP,
/// protobuf or JSON, optionally gzipped. Data points Vigil refuses are counted in the answer's
/// <c>partial_success</c>; the rest are recorded as <c>POST /api/v1/metrics</c> records points
/// (validation, quotas, series bound, late points into the rollups). <c>POST /v1/traces</c> (and
/// <c>/otlp/v1/traces</c>) takes spans the same way, through <see cref="TraceIntake"/> (the road
/// Sentry transactions take too): their series are recorded so, and the
/// <see cref="TraceStore"/> keeps a sampled share of the traces. Errors that refuse the whole
/// export are <c>problem+json</c>, as everywhere in Vigil's API (see docs/api.md).
/// </summary>
internal static class OtlpEndpoints
{
    /// <summary>OTLP/HTTP's binary content type.</summary>
    public const string ProtobufContentType = "application/x-protobuf";

    /// <summary>OTLP/HTTP's JSON content type.</summary>
    public const string JsonContentType = "application/json";

    /// <summary>The paths of the metrics export: OTLP's default, and the same under <c>/otlp</c>.</summary>
    public static readonly string[] MetricsPaths = ["/v1/metrics", "/otlp/v1/metrics"];

    /// <summary>The paths of the traces export: OTLP's default, and the same under <c>/otlp</c>.</summary>
    public static readonly string[] TracesPaths = ["/v1/traces", "/otlp/v1/traces"];

    public static IEndpointRouteBuilder MapOtlpEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in MetricsPaths)
        {
            Describe(app.MapPost(path, ExportMetricsAsync),
                "Records an OTLP metrics export (ExportMetricsServiceRequest, protobuf or JSON, gzip allowed); refused data points are counted in partial_success.");
        }

        foreach (var path in TracesPaths)
        {
            Describe(app.MapPost(path, ExportTracesAsync),
                "Records an OTLP traces export (ExportTraceServiceRequest, protobuf or JSON with hex ids, gzip allowed): every span becomes series, a sampled share of traces is kept; refused spans are counted in partial_success.");
        }

        return app;
    }

    private static void Describe(RouteHandlerBuilder export, string summary) => export
        .RefusedWhileDraining()
        .RequireAuthorization(Auth.Policies.Ingest)
        .WithTags("OpenTelemetry")
        .WithSummary(summary)
        .Produces(StatusCodes.Status200OK, contentType: ProtobufContentType, additionalContentTypes: [JsonContentType])
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> ExportMetricsAsync(
        HttpRequest request, OtlpMetricsReceiver receiver, MetricStore store, MetricPersistence persistence, IOptions<HttpOptions> http,
        IngestCounters counters, Alerts.EvaluationTrigger trigger, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        var export = await ReadExportAsync<OtlpMetricsRequest>(request, http.Value.MaxRequestBodyBytes, OtlpMetricsRequest.TryParse, counters, cancellationToken).ConfigureAwait(false);
        if (!export.IsValid)
        {
            return export.Problem;
        }

        var batch = receiver.Map(export.Value, store.Options.MaxPointsPerBatch);
        if (await RecordAsync(request.HttpContext, batch, store, persistence, counters, trigger, quotas, cancellationToken).ConfigureAwait(false) is { } tooMany)
        {
            return tooMany;
        }

        batch.Commit();
        counters.AcceptedBatches.Add(1);
        return TypedResults.Bytes(OtlpMetricsRequest.Response(export.Encoding, batch.RejectedDataPoints, batch.ErrorMessage), ContentTypeOf(export.Encoding));
    }

    private static async Task<IResult> ExportTracesAsync(
        HttpRequest request, TraceIntake intake, IOptions<HttpOptions> http, IngestCounters counters, CancellationToken cancellationToken)
    {
        var export = await ReadExportAsync<OtlpTracesRequest>(request, http.Value.MaxRequestBodyBytes, OtlpTracesRequest.TryParse, counters, cancellationToken).ConfigureAwait(false);
        if (!export.IsValid)
        {
            return export.Problem;
        }

        var (batch, tooMany) = await intake.RecordAsync(request.HttpContext, export.Value, cancellationToken).ConfigureAwait(false);
        return tooMany ?? TypedResults.Bytes(OtlpTracesRequest.Response(export.Encoding, batch.Rejected, batch.ErrorMessage), ContentTypeOf(export.Encoding));
    }

    /// <summary>Reads and parses an export; a body or message refused is counted and answered with its problem.</summary>
    private static async Task<Export<T>> ReadExportAsync<T>(HttpRequest request, long maxBytes, Parse<T> parse, IngestCounters counters, CancellationToken cancellationToken)
        where T : class
    {
        var body = await ReadAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        if (!body.IsValid)
        {
            counters.RejectedBatches.Add(1);
            return new Export<T>(null, default, body.Problem);
        }

        if (!parse(body.Bytes, body.Encoding, out var export, out var problem))
        {
            counters.RejectedBatches.Add(1);
            return new Export<T>(null, default, Problems.Field("$", problem));
        }

        return new Export<T>(export, body.Encoding, null);
    }

    /// <summary>
    /// Records the points of an export as <c>POST /api/v1/metrics</c> does: validation, the key's
    /// rate quota (a 429 for the whole export, returned), the series bound and quota, late points
    /// into the rollups. Items whose points are refused are refused in <paramref name="batch"/>.
    /// </summary>
    internal static async Task<IResult?> RecordAsync(HttpContext context, IOtlpPointBatch batch, MetricStore store, MetricPersistence persistence,
        IngestCounters counters, Alerts.EvaluationTrigger trigger, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        var (points, items) = Validate(batch, store);
        if (points.Count == 0)
        {
            return null;
        }

        var key = context.Features.Get<ApiKeyRecord>()?.AsQuotaHolder();
        if (IngestEndpoints.AdmitRate(context, quotas, key, points.Count) is { } tooMany)
        {
            counters.RejectedBatches.Add(1);
            return tooMany;
        }

        var outcome = Prepare(batch, points, items, store, quotas.SeriesQuotaFor(key));
        if (outcome is not null)
        {
            // Points older than the in-memory window go into the stored rollups first: if the
            // database fails, nothing is recorded and the exporter sends the export again.
            if (outcome.LatePoints.Count > 0)
            {
                await persistence.PersistLateAsync(outcome.LatePoints, cancellationToken).ConfigureAwait(false);
            }

            outcome.Commit();
            trigger.Notify(points.Select(p => p.Name));
        }

        return null;
    }

    /// <summary>Checks each point as <c>POST /api/v1/metrics</c> does; a point at fault refuses its item (data point or span).</summary>
    private static (List<MetricPoint> Points, List<int> DataPoints) Validate(IOtlpPointBatch batch, MetricStore store)
    {
        var validator = new PointValidator(store.Options);
        var nowMs = store.NowMs;
        var points = new List<MetricPoint>(batch.Points.Count);
        var dataPoints = new List<int>(batch.Points.Count);
        Dictionary<string, string?>? checkedLabels = null;
        var labels = LabelSet.Empty;
        foreach (var point in batch.Points)
        {
            if (batch.IsRejected(point.DataPoint))
            {
                continue;
            }

            var problem = validator.CheckName(point.Name) is { } nameProblem ? $"name '{point.Name}' {nameProblem}"
                : !FiniteValues.IsAccepted(point.Value) ? $"value {PointValidator.ValueRangeProblem}"
                : point.Type == MetricType.Timing && point.Value < 0 ? "timings are durations and cannot be negative"
                : null;
            var (timestampMs, timeProblem) = validator.CheckTimestamp(point.TimestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, nowMs);
            problem ??= timeProblem is null ? null : $"time_unix_nano {timeProblem}";

            // The buckets of one histogram data point share their labels: checked once.
            if (problem is null && !ReferenceEquals(point.Labels, checkedLabels))
            {
                var errors = new FieldErrors(1);
                labels = validator.CheckLabels(point.Labels, point.Type, "attributes", errors);
                checkedLabels = errors.Count == 0 ? point.Labels : null;
                if (errors.Count > 0)
                {
                    var (field, messages) = errors.ToDictionary().First();
                    problem = $"{field} {messages[0]}";
                }
            }

            if (problem is not null)
            {
                batch.Reject(point.DataPoint, point.Name, problem);
                continue;
            }

            points.Add(new MetricPoint(point.Name, point.Type, point.Value, labels, timestampMs, point.Count));
            dataPoints.Add(point.DataPoint);
        }

        RemoveRejected(batch, points, dataPoints); // a later bucket of a data point may have refused it
        return (points, dataPoints);
    }

    /// <summary>
    /// Prepares the points in the store; points the store refuses (another type under the name,
    /// a new series past the bound or the key's quota) refuse their data points, and the rest is
    /// prepared again. Null when nothing is left.
    /// </summary>
    private static IngestOutcome? Prepare(IOtlpPointBatch batch, List<MetricPoint> points, List<int> dataPoints, MetricStore store, SeriesQuota? quota)
    {
        while (points.Count > 0)
        {
            var outcome = store.Prepare(points, store.MemoryHorizonMs, quota);
            if (outcome.IsAccepted)
            {
                return outcome;
            }

            var rejectedBefore = batch.Rejected;

            foreach (var error in outcome.Errors)
            {
                batch.Reject(dataPoints[error.Index], points[error.Index].Name, error.Message);
            }

            foreach (var index in outcome.RefusedIndices)
            {
                batch.Reject(dataPoints[index], points[index].Name, outcome.OverQuota is { } over
                    ? string.Create(CultureInfo.InvariantCulture, $"would create a new series past this API key's series quota of {over.MaxSeries} (Vigil:Quotas:SeriesPerKey, or the key's seriesQuota)")
                    : string.Create(CultureInfo.InvariantCulture, $"would create a new series past the limit of {outcome.MaxSeries} (Vigil:Metrics:MaxSeries)"));
            }

            if (batch.Rejected == rejectedBefore)
            {
                // Refused without naming a point: refuse what is left rather than try again.
                foreach (var dataPoint in dataPoints)
                {
                    batch.Reject(dataPoint, "", "was refused by the store");
                }
            }

            RemoveRejected(batch, points, dataPoints);
        }

        return null;
    }

    private static void RemoveRejected(IOtlpPointBatch batch, List<MetricPoint> points, List<int> dataPoints)
    {
        var kept = 0;
        for (var i = 0; i < points.Count; i++)
        {
            if (!batch.IsRejected(dataPoints[i]))
            {
                points[kept] = points[i];
                dataPoints[kept] = dataPoints[i];
                kept++;
            }
        }

        points.RemoveRange(kept, points.Count - kept);
        dataPoints.RemoveRange(kept, dataPoints.Count - kept);
    }

    /// <summary>Reads the body: its encoding from the content type, gunzipped when sent so, within the size limit.</summary>
    private static async Task<Body> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        OtlpEncoding encoding;
        var mediaType = request.ContentType is { } contentType ? contentType.Split(';')[0].Trim() : null;
        if (string.Equals(mediaType, ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            encoding = OtlpEncoding.Protobuf;
        }
        else if (string.Equals(mediaType, JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            encoding = OtlpEncoding.Json;
        }
        else
        {
            return Body.Refused(Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the export as {ProtobufContentType} or {JsonContentType} (OTLP/HTTP)."));
        }

        var (bytes, problem) = await EncodedBody.ReadAsync(request, maxBytes, allowDeflate: false, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return Body.Refused(problem!);
        }

        if (encoding == OtlpEncoding.Json && CheckJsonText(bytes) is { } textProblem)
        {
            return Body.Refused(textProblem);
        }

        return Body.Read(bytes, encoding);
    }

    /// <summary>Vigil's rule for a request's text (<see cref="ValidText"/>): valid JSON, no NUL or lone surrogate, each member once.</summary>
    private static ProblemHttpResult? CheckJsonText(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return ValidText.FindProblem(document.RootElement) is ({ } field, { } message) ? Problems.Field(field, message) : null;
        }
        catch (JsonException ex)
        {
            return Problems.Field("$", $"The body is not valid JSON: {ex.Message}");
        }
    }

    private static string ContentTypeOf(OtlpEncoding encoding) => encoding == OtlpEncoding.Protobuf ? ProtobufContentType : JsonContentType;

    /// <summary>How an export's message is read from a body (<c>TryParse</c> of the request types).</summary>
    private delegate bool Parse<T>(ReadOnlySpan<byte> body, OtlpEncoding encoding, [NotNullWhen(true)] out T? export, [NotNullWhen(false)] out string? problem)
        where T : class;

    /// <summary>An export read and parsed, or the problem to answer with.</summary>
    private sealed class Export<T>(T? value, OtlpEncoding encoding, ProblemHttpResult? problem)
        where T : class
    {
        public T? Value { get; } = value;

        public OtlpEncoding Encoding { get; } = encoding;

        public ProblemHttpResult? Problem { get; } = problem;

        [MemberNotNullWhen(true, nameof(Value))]
        [MemberNotNullWhen(false, nameof(Problem))]
        public bool IsValid => Value is not null;
    }

    /// <summary>A request body read, or the problem to answer with.</summary>
    private sealed class Body
    {
        private Body(byte[]? bytes, OtlpEncoding encoding, ProblemHttpResult? problem)
        {
            Bytes = bytes;
            Encoding = encoding;
            Problem = problem;
        }

        public byte[]? Bytes { get; }

        public OtlpEncoding Encoding { get; }

        public ProblemHttpResult? Problem { get; }

        [MemberNotNullWhen(true, nameof(Bytes))]
        [MemberNotNullWhen(false, nameof(Problem))]
        public bool IsValid => Bytes is not null;

        public static Body Read(byte[] bytes, OtlpEncoding encoding) => new(bytes, encoding, null);

        public static Body Refused(ProblemHttpResult problem) => new(null, default, problem);
    }
}
