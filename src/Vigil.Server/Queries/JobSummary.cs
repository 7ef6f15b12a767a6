using Vigil.Core.Metrics;
using Vigil.Server.Ingestion;
using Vigil.Server.Prometheus;

namespace Vigil.Server.Queries;

/// <summary>Figures of one job over the window.</summary>
/// <param name="JobId">The job id.</param>
/// <param name="TotalExecutions">Executions in the window.</param>
/// <param name="SuccessRate">Percent of executions that succeeded.</param>
/// <param name="AvgExecutionTime">Mean duration, ms.</param>
/// <param name="P95ExecutionTime">95th percentile duration, ms.</param>
public sealed record JobSummary(string JobId, long TotalExecutions, double SuccessRate, double? AvgExecutionTime, double? P95ExecutionTime);
