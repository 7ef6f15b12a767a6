using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Health.Checks;
using Vigil.Health.Readiness;
using Vigil.Health.Reports;
using Vigil.Server.Hosting;
using Vigil.Server.Http;

namespace Vigil.Server.Health;

/// <summary>
/// <c>GET /api/health</c> (every check but the detail ones; <c>?quick=true</c> for liveness),
/// <c>/api/health/live</c>, <c>/api/health/ready</c> (readiness: start-up finished and the ready
/// checks not unhealthy) and <c>/api/health/{check}</c>. No key needed. HTTP 503 only for
/// <c>unhealthy</c>; <c>degraded</c> is 200.
/// </summary>
internal static class HealthEndpoints
{
    /// <summary>The pseudo-check of the readiness report that stands for start-up and shutdown.</summary>
    public const string StartupCheck = "startup";

    private const int MaxEchoedName = 64;

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/api/health").AllowAnonymous().WithTags("Health");
        health.MapGet("", async (HttpContext context, HealthReports reports, ProcessClock clock, TimeProvider time) =>
            {
                var quick = context.Request.Query["quick"];
                if (quick.Count > 1 || (quick.Count == 1 && !bool.TryParse(quick[0], out _)))
                {
                    return Problems.Field("quick", "quick must be true or false.");
                }

                return quick.Count == 1 && bool.Parse(quick[0]!)
                    ? Live(clock, time)
                    : Report(await reports.FullAsync(context.RequestAborted).ConfigureAwait(false), clock, time);
            })
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Overall health: healthy, degraded or unhealthy (503 only when unhealthy). quick=true only says the process is up.");
        health.MapGet("/live", (ProcessClock clock, TimeProvider time) => Live(clock, time))
            .Produces<LivenessResponse>()
            .WithSummary("Liveness: the process answers (the same as ?quick=true). Runs no check.");
        health.MapGet("/ready", async (HealthReports reports, StartupReadiness readiness, ProcessClock clock, TimeProvider time, CancellationToken cancellationToken) =>
            {
                var startup = readiness.NotReadyReason is { } reason
                    ? new HealthReportEntry(HealthStatus.Unhealthy, reason, TimeSpan.Zero, null, null)
                    : new HealthReportEntry(HealthStatus.Healthy, "Start-up has finished.", TimeSpan.Zero, null, null);
                var entries = new Dictionary<string, HealthReportEntry>(StringComparer.Ordinal) { [StartupCheck] = startup };
                if (startup.Status == HealthStatus.Healthy)
                {
                    foreach (var (name, entry) in (await reports.ReadyAsync(cancellationToken).ConfigureAwait(false)).Entries)
                    {
                        entries[name] = entry;
                    }
                }

                // Degraded dependencies still serve: only unhealthy takes the process out of rotation.
                return Report(new HealthReport(entries, TimeSpan.Zero), clock, time);
            })
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Readiness for orchestrators: 503 until start-up (migrations, default rules) has finished, while shutting down, and while the database is unhealthy.");
        health.MapGet("/{check}", async (string check, HealthReports reports, ProcessClock clock, TimeProvider time, CancellationToken cancellationToken) =>
                await reports.OneAsync(check, cancellationToken).ConfigureAwait(false) is { } report
                    ? Report(report, clock, time)
                    : Problems.Status(StatusCodes.Status404NotFound, "Not found", string.Create(CultureInfo.InvariantCulture,
                        $"There is no health check named '{(check.Length > MaxEchoedName ? check[..MaxEchoedName] + "…" : check)}'; the checks are {string.Join(", ", reports.Registrations.Select(r => r.Name))}.")))
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One health check by name: database, redis (when configured), jobs, platforms (with uptime monitors), advanced (seed 003's performance targets).");
        return app;
    }

    private static IResult Live(ProcessClock clock, TimeProvider time) =>
        TypedResults.Ok(new LivenessResponse("healthy", time.GetUtcNow(), (long)clock.Uptime.TotalMilliseconds));

    private static IResult Report(HealthReport report, ProcessClock clock, TimeProvider time)
    {
        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new HealthCheckResponse(
                Name(e.Value.Status),
                e.Value.Description,
                e.Value.Data.TryGetValue(HealthData.ResponseTime, out var measured) && measured is double ms ? ms : Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                e.Value.Data.Where(d => d.Key != HealthData.ResponseTime).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)),
            StringComparer.Ordinal);
        var overall = new HealthOverall(
            report.Entries.Count(e => e.Value.Status == HealthStatus.Healthy),
            report.Entries.Count(e => e.Value.Status == HealthStatus.Degraded),
            report.Entries.Count(e => e.Value.Status == HealthStatus.Unhealthy),
            report.Entries.Count);
        var body = new HealthResponse(Name(report.Status), time.GetUtcNow(), (long)clock.Uptime.TotalMilliseconds, checks, overall);
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
