namespace Vigil.Server.Ingestion;

/// <summary>The body of <c>POST /api/v1/jobs/executions</c>.</summary>
public sealed class JobExecutionBatchRequest
{
    /// <summary>The executions of the batch.</summary>
    public List<JobExecutionRequest?>? Executions { get; set; }
}
