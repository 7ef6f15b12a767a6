namespace Vigil.Server.Health;

/// <summary>The body of <c>GET /api/health</c> and its siblings: the seed-002 shape.</summary>
/// <param name="Status"><c>healthy</c>, <c>degraded</c> or <c>unhealthy</c> (the worst of the checks).</param>
/// <param name="Timestamp">When the report was written.</param>
/// <param name="Uptime">How long this process has run, in milliseconds.</param>
/// <param name="Checks">Each check by name.</param>
/// <param name="Overall">How many checks are in each status.</param>
internal sealed record HealthResponse(string Status, DateTimeOffset Timestamp, long Uptime, IReadOnlyDictionary<string, HealthCheckResponse> Checks, HealthOverall Overall);

/// <summary>One check of a <see cref="HealthResponse"/>.</summary>
/// <param name="Status"><c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>.</param>
/// <param name="Description">What the check found, in a sentence.</param>
/// <param name="ResponseTime">How long the check's probe took, in milliseconds.</param>
/// <param name="Details">The check's figures (counts, thresholds, targets).</param>
internal sealed record HealthCheckResponse(string Status, string? Description, double ResponseTime, IReadOnlyDictionary<string, object> Details);

/// <summary>How many checks are in each status.</summary>
internal sealed record HealthOverall(int Healthy, int Degraded, int Unhealthy, int Total);

/// <summary>The body of the liveness probe (<c>?quick=true</c>, <c>/api/health/live</c>): the process answers.</summary>
internal sealed record LivenessResponse(string Status, DateTimeOffset Timestamp, long Uptime);
