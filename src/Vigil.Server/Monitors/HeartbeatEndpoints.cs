using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Monitoring.Scheduling;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Monitors;

namespace Vigil.Server.Monitors;

/// <summary>
/// <c>/api/v1/heartbeats/{token}</c>: a job's check-in for its heartbeat monitor, by POST or GET
/// (as healthchecks.io and Uptime Kuma take them, so <c>curl</c> in a crontab is enough). No API
/// key: the token is the credential. Rate-limited per monitor, and unknown tokens per address.
/// </summary>
internal static class HeartbeatEndpoints
{
    public const string Route = "/api/v1/heartbeats";

    /// <summary>The path of a token's check-in URL.</summary>
    public static string PathOf(string token) => $"{Route}/{Uri.EscapeDataString(token)}";

    public static IEndpointRouteBuilder MapHeartbeatEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Route + "/{token}", ["POST", "GET"], CheckInAsync)
            .AllowAnonymous()
            .WithTags("Monitors")
            .WithSummary("A job's check-in for its heartbeat monitor (POST or GET; the token in the path is the credential, no API key). The monitor is up again at once; it goes down when a check-in is late by more than its grace period.")
            .Produces(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Ok<CheckInResponse>, ProblemHttpResult>> CheckInAsync(
        string token, HttpContext context, MonitorRepository repository, MonitorScheduler scheduler, HeartbeatLimits limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var address = ClientAddress.Of(context);
        if (!limits.MayTry(address, out var wait))
        {
            return RetryAfter.TooManyRequests(context.Response, RetryAfter.Seconds(wait), "Too many unknown check-ins",
                "This address sent too many check-ins with unknown tokens (Vigil:Monitoring:FailedHeartbeatsPerMinute).");
        }

        var now = time.GetUtcNow();
        if (token.Length is 0 or > 200 || await repository.FindByTokenAsync(token, cancellationToken).ConfigureAwait(false) is not { Type: "heartbeat" } monitor)
        {
            limits.CountFailure(address);
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", "No heartbeat monitor has this token.");
        }

        if (!limits.TryCheckIn(monitor.Id, out wait))
        {
            return RetryAfter.TooManyRequests(context.Response, RetryAfter.Seconds(wait), "Too many check-ins",
                "This monitor received too many check-ins (Vigil:Monitoring:HeartbeatsPerMinute).");
        }

        await repository.RecordPingAsync(monitor.Id, now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (monitor.Enabled)
        {
            await scheduler.PingedAsync(monitor.Id, now, cancellationToken).ConfigureAwait(false);
        }

        return TypedResults.Ok(new CheckInResponse(true, now));
    }

    /// <summary>The answer to a check-in.</summary>
    /// <param name="Ok">Always true.</param>
    /// <param name="ReceivedAt">When Vigil received it.</param>
    internal sealed record CheckInResponse(bool Ok, DateTimeOffset ReceivedAt);
}
