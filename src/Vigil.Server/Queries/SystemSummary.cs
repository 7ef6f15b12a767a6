using Vigil.Core.Metrics;
using Vigil.Server.Ingestion;
using Vigil.Server.Prometheus;

namespace Vigil.Server.Queries;

/// <summary>Request figures over the window.</summary>
/// <param name="Uptime">Milliseconds since this Vigil process started.</param>
/// <param name="Requests">Requests in the window.</param>
/// <param name="ErrorRate">Percent of requests with a 5xx or error status.</param>
/// <param name="AvgResponseTime">Mean response time, ms.</param>
/// <param name="P95ResponseTime">95th percentile response time, ms.</param>
public sealed record SystemSummary(long Uptime, long Requests, double? ErrorRate, double? AvgResponseTime, double? P95ResponseTime);
