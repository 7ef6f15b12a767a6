using Vigil.Core.Metrics;
using Vigil.Server.Ingestion;
using Vigil.Server.Prometheus;

namespace Vigil.Server.Queries;

/// <summary>The answer of <c>GET /api/v1/metrics</c> (the seed-002 summary shape).</summary>
/// <param name="Timestamp">When the summary was computed.</param>
/// <param name="Window">The window the figures cover, e.g. <c>1h</c>.</param>
/// <param name="Jobs">One entry per job id.</param>
/// <param name="System">Request figures across every service that reports <c>http_request_duration_ms</c>.</param>
/// <param name="Performance">Performance tracking's summary: snapshot, trends, slowest operations, open regressions (of the one job with <c>jobId</c>).</param>
public sealed record MetricsSummary(DateTimeOffset Timestamp, string Window, IReadOnlyList<JobSummary> Jobs, SystemSummary System, Vigil.Performance.Operations.PerformanceSummary Performance);
