namespace Vigil.Server.Ingestion;

/// <summary>The body of <c>POST /api/v1/metrics</c>.</summary>
public sealed class MetricBatchRequest
{
    /// <summary>The points of the batch (at most <c>Vigil:Metrics:MaxPointsPerBatch</c>).</summary>
    public List<MetricPointRequest?>? Points { get; set; }
}
