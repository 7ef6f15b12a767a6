using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Delivery.Pipeline;
using Vigil.Jobs.Queue;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;

namespace Vigil.Server.Delivery;

/// <summary><c>GET /api/v1/deliveries?status=…</c> and <c>POST /api/v1/deliveries/{id}/replay</c>.</summary>
internal static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries").Audited(AuditResource.Deliveries);
        deliveries.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Deliveries, newest first. Query: status (pending, failed, succeeded, dead), channelId, limit (1-1000, default 100).");
        deliveries.MapPost("/{id:long}/replay", ReplayAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Sends a dead (or succeeded) delivery again as a fresh job with its attempts reset.");
        return app;
    }

    private static async Task<Results<Ok<DeliveryResponse[]>, ProblemHttpResult>> ListAsync(HttpRequest request, JobQueue queue, CancellationToken cancellationToken)
    {
        var query = request.Query;
        JobState[] states = [JobState.Queued, JobState.Processing, JobState.Retrying, JobState.Succeeded, JobState.Dead];
        if (query["status"].Count > 0)
        {
            states = query["status"].ToString() switch
            {
                "pending" => [JobState.Queued, JobState.Processing],
                "failed" => [JobState.Retrying],
                "succeeded" => [JobState.Succeeded],
                "dead" => [JobState.Dead],
                _ => [],
            };
            if (states.Length == 0)
            {
                return Problems.Field("status", "must be one of pending, failed, succeeded, dead");
            }
        }

        var limit = 100;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], out limit) || limit is < 1 or > 1000))
        {
            return Problems.Field("limit", "must be a whole number from 1 to 1000");
        }

        var channelId = query["channelId"].Count > 0 ? query["channelId"].ToString() : null;
        var found = new List<JobInfo>();
        foreach (var state in states)
        {
            foreach (var type in DeliveryJobs.Types)
            {
                found.AddRange(await queue.ListAsync(state, type, channelId is null ? limit : 1000, cancellationToken).ConfigureAwait(false));
            }
        }

        return TypedResults.Ok(found
            .Where(j => channelId is null || j.ConcurrencyKey == channelId)
            .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Take(limit)
            .Select(ToResponse)
            .ToArray());
    }

    private static async Task<Results<Accepted<DeliveryResponse>, ProblemHttpResult>> ReplayAsync(long id, JobQueue queue, CancellationToken cancellationToken)
    {
        if (await queue.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } job || !DeliveryJobs.Types.Contains(job.Type, StringComparer.Ordinal))
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No delivery has id {id}.");
        }

        if (!await queue.ReplayAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Status(StatusCodes.Status409Conflict, "Not finished", $"Delivery {id} is {StatusOf(job.State)}: only a dead or succeeded delivery can be replayed.");
        }

        var replayed = await queue.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? job;
        return TypedResults.Accepted($"/api/v1/deliveries?status=pending", ToResponse(replayed));
    }

    private static string StatusOf(JobState state) => state switch
    {
        JobState.Queued or JobState.Processing => "pending",
        JobState.Retrying => "failed",
        JobState.Succeeded => "succeeded",
        _ => "dead",
    };

    private static DeliveryResponse ToResponse(JobInfo j) => new(
        j.Id, j.Type, j.ConcurrencyKey, j.IdempotencyKey, StatusOf(j.State), j.Attempts, j.MaxAttempts,
        j.State is JobState.Queued or JobState.Retrying ? j.RunAt : null, j.CreatedAt, j.FinishedAt, j.LastError, j.Payload);
}
