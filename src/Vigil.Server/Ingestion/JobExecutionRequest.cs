namespace Vigil.Server.Ingestion;

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
