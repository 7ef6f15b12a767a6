using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Jobs.Scheduling;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;

namespace Vigil.Server.Schedules;

/// <summary><c>GET /api/v1/schedules[/{name}]</c> and <c>POST /api/v1/schedules/{name}/run</c>.</summary>
internal static class ScheduleEndpoints
{
    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        var schedules = app.MapGroup("/api/v1/schedules").WithTags("Schedules").Audited(AuditResource.Schedules);
        schedules.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("The cron schedules (settings Vigil:Schedules:<name>) with their tasks, last run and outcome, and next run.");
        schedules.MapGet("/{name}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One cron schedule.");
        schedules.MapPost("/{name}/run", RunAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Enqueues a run of the schedule now (its next due time does not move); the outcome shows in the listing once it ran.");
        return app;
    }

    private static async Task<Ok<ScheduleResponse[]>> ListAsync(ScheduleService schedules, CancellationToken cancellationToken) =>
        TypedResults.Ok((await schedules.ListAsync(cancellationToken).ConfigureAwait(false)).Select(ScheduleResponse.From).ToArray());

    private static async Task<Results<Ok<ScheduleResponse>, ProblemHttpResult>> GetAsync(string name, ScheduleService schedules, CancellationToken cancellationToken) =>
        await schedules.GetAsync(name, cancellationToken).ConfigureAwait(false) is { } status
            ? TypedResults.Ok(ScheduleResponse.From(status))
            : NotFound(name);

    private static async Task<Results<Accepted<ScheduleResponse>, ProblemHttpResult>> RunAsync(string name, ScheduleService schedules, CancellationToken cancellationToken)
    {
        switch (await schedules.RunNowAsync(name, cancellationToken).ConfigureAwait(false))
        {
            case ScheduleRunRequest.Unknown:
                return NotFound(name);
            case ScheduleRunRequest.NothingToRun:
                return Problems.Status(StatusCodes.Status409Conflict, "Nothing to run", $"The schedule '{name}' has no tasks yet.");
        }

        var status = await schedules.GetAsync(name, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted($"/api/v1/schedules/{Uri.EscapeDataString(name)}", ScheduleResponse.From(status!));
    }

    private static ProblemHttpResult NotFound(string name) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"There is no schedule named '{name}'.");
}
