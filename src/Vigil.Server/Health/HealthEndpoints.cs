using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Server.Hosting;
using Vigil.Storage;

namespace Vigil.Server.Health;

/// <summary><c>GET /api/health</c> (<c>?quick=true</c> for liveness) and <c>/api/health/{check}</c>.</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", (HttpContext context, HealthCheckService health, ProcessClock clock, TimeProvider time) =>
            context.Request.Query["quick"] == "true"
                ? Task.FromResult<IResult>(TypedResults.Ok(new { status = "healthy", timestamp = time.GetUtcNow(), uptime = (long)clock.Uptime.TotalMilliseconds }))
                : ReportAsync(health, clock, time, null, context.RequestAborted))
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Overall health: healthy, degraded or unhealthy (503 only when unhealthy). quick=true only says the process is up.");
        app.MapGet("/api/health/{check}", (string check, HealthCheckService health, ProcessClock clock, TimeProvider time, CancellationToken cancellationToken) =>
                ReportAsync(health, clock, time, check, cancellationToken))
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("One health check by name (database).");
        return app;
    }

    private static async Task<IResult> ReportAsync(HealthCheckService health, ProcessClock clock, TimeProvider time, string? only, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(r => only is null || r.Name == only, cancellationToken).ConfigureAwait(false);
        if (only is not null && report.Entries.Count == 0)
        {
            return Http.Problems.Status(StatusCodes.Status404NotFound, "Not found", $"There is no health check named '{only}'.");
        }

        var body = new
        {
            status = Name(report.Status),
            timestamp = time.GetUtcNow(),
            uptime = (long)clock.Uptime.TotalMilliseconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = Name(e.Value.Status),
                description = e.Value.Description,
                responseTime = e.Value.Data.TryGetValue("responseTime", out var rt) ? rt : Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                details = e.Value.Data.Where(d => d.Key != "responseTime").ToDictionary(d => d.Key, d => d.Value),
            }),
            overall = new
            {
                healthy = report.Entries.Count(e => e.Value.Status == HealthStatus.Healthy),
                degraded = report.Entries.Count(e => e.Value.Status == HealthStatus.Degraded),
                unhealthy = report.Entries.Count(e => e.Value.Status == HealthStatus.Unhealthy),
                total = report.Entries.Count,
            },
        };
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
