using System.Text.Json.Serialization;

namespace Vigil.Server.Ingestion;

/// <summary>The body of <c>POST /api/v1/metrics</c>.</summary>
public sealed class MetricBatchRequest
{
    /// <summary>The points of the batch (at most <c>Vigil:Metrics:MaxPointsPerBatch</c>).</summary>
    public List<MetricPointRequest?>? Points { get; set; }
}

/// <summary>One point as sent.</summary>
public sealed class MetricPointRequest
{
    /// <summary>Metric name, <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public string? Name { get; set; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>timing</c> (milliseconds).</summary>
    public string? Type { get; set; }

    /// <summary>A finite number; not negative for timings.</summary>
    public double? Value { get; set; }

    /// <summary>Labels: names <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, string values.</summary>
    public Dictionary<string, string?>? Labels { get; set; }

    /// <summary>When the point was measured (ISO-8601); now when absent.</summary>
    public DateTimeOffset? Timestamp { get; set; }
}

/// <summary>The body of <c>POST /api/v1/jobs/executions</c>.</summary>
public sealed class JobExecutionBatchRequest
{
    /// <summary>The executions of the batch.</summary>
    public List<JobExecutionRequest?>? Executions { get; set; }
}

/// <summary>One job execution as sent.</summary>
public sealed class JobExecutionRequest
{
    /// <summary>The job's identifier (becomes the <c>job_id</c> label).</summary>
    public string? JobId { get; set; }

    /// <summary>Whether the execution succeeded.</summary>
    public bool? Success { get; set; }

    /// <summary>How long it ran, in milliseconds.</summary>
    public double? DurationMs { get; set; }

    /// <summary>When it finished (ISO-8601); now when absent.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Free-form context of the execution (validated; not turned into labels).</summary>
    public Dictionary<string, System.Text.Json.JsonElement>? Metadata { get; set; }
}

/// <summary>The answer to an accepted batch.</summary>
/// <param name="Accepted">Number of points (or executions) recorded.</param>
public sealed record IngestResponse([property: JsonPropertyName("accepted")] int Accepted);
