using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Performance.Slos;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Performance;

namespace Vigil.Server.Performance;

/// <summary>
/// <c>/api/v1/slos</c>: service-level objectives with their status — SLI, error budget left, burn
/// rates and whether they page or ticket (viewer); create, replace and delete (admin). Bodies are
/// checked field by field (<see cref="SloJson"/>).
/// </summary>
internal static class SloEndpoints
{
    public const string Route = "/api/v1/slos";

    public static IEndpointRouteBuilder MapSloEndpoints(this IEndpointRouteBuilder app)
    {
        var slos = app.MapGroup(Route).WithTags("Performance").Audited(AuditResource.Slos);
        slos.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Service-level objectives with their status: SLI and error budget left over the window, burn rates over 5 m, 30 m, 1 h, 6 h and 3 d, and alerting (page, ticket or null).");
        slos.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One objective with its status.");
        slos.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Creates an objective: kind latency (metric, thresholdMs), errors (metric) or gauge (metric, comparison, threshold); objectivePercent, windowDays (default 30), match, enabled.")
            .ProducesValidationProblem();
        slos.MapPut("/{id}", ReplaceAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Replaces an objective's definition; its counts start over.")
            .ProducesValidationProblem();
        slos.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Deletes an objective, its counts, and resolves its alerts.");
        return app;
    }

    internal static async Task<Ok<JsonObject[]>> ListAsync(SloRepository slos, CancellationToken cancellationToken) =>
        TypedResults.Ok((await slos.ListAsync(cancellationToken).ConfigureAwait(false)).Select(Response).ToArray());

    internal static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> GetAsync(string id, SloRepository slos, CancellationToken cancellationToken) =>
        await slos.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } slo ? TypedResults.Ok(Response(slo)) : NotFound(id);

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> CreateAsync(HttpRequest request, SloRepository slos, TimeProvider time, CancellationToken cancellationToken)
    {
        var (definition, problem) = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return problem!;
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var stored = new StoredSlo(id, definition.Name, SloJson.Write(definition).ToJsonString(), null, now.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds());
        if (!await slos.InsertAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Field("name", $"An objective named '{definition.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        return TypedResults.Created($"{Route}/{id}", Response(stored));
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ReplaceAsync(string id, HttpRequest request, SloRepository slos, TimeProvider time, CancellationToken cancellationToken)
    {
        var (definition, problem) = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return problem!;
        }

        switch (await slos.ReplaceAsync(id, definition.Name, SloJson.Write(definition).ToJsonString(), time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false))
        {
            case null:
                return NotFound(id);
            case false:
                return Problems.Field("name", $"An objective named '{definition.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        return TypedResults.Ok(Response((await slos.GetAsync(id, cancellationToken).ConfigureAwait(false))!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, SloRepository slos, CancellationToken cancellationToken) =>
        await slos.DeleteAsync(id, cancellationToken).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<(SloDefinition? Definition, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return (null, read.Problem);
        }

        using var body = read.Value;
        var parsed = SloJson.Parse(body.RootElement);
        return parsed.Definition is { } definition
            ? (definition, null)
            : (null, Problems.Validation("The objective is invalid.", parsed.Errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)));
    }

    private static JsonObject Response(StoredSlo slo)
    {
        var response = new JsonObject { ["id"] = slo.Id };
        foreach (var (field, value) in SloJson.Write(SloJson.Read(slo.Definition)))
        {
            response[field] = value?.DeepClone();
        }

        response["status"] = slo.Status is null ? null : JsonNode.Parse(slo.Status);
        response["createdAt"] = DateTimeOffset.FromUnixTimeMilliseconds(slo.CreatedAtMs);
        response["updatedAt"] = DateTimeOffset.FromUnixTimeMilliseconds(slo.UpdatedAtMs);
        return response;
    }

    private static ProblemHttpResult NotFound(string id) => Problems.Status(StatusCodes.Status404NotFound, "Not found", $"There is no objective '{id}'.");
}
