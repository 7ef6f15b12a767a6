using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Monitoring.Scheduling;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Monitors;

namespace Vigil.Server.Monitors;

/// <summary>
/// <c>/api/v1/maintenance</c>: maintenance windows, of one monitor (<c>monitorId</c>) or of all
/// (<c>monitorId</c> null). During a window a monitor's failures neither make it down nor alert,
/// and its checks do not count in uptime. List and read (viewer); create, replace, delete (admin).
/// </summary>
internal static class MaintenanceEndpoints
{
    public const string Route = "/api/v1/maintenance";

    private static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    public static IEndpointRouteBuilder MapMaintenanceEndpoints(this IEndpointRouteBuilder app)
    {
        var windows = app.MapGroup(Route).WithTags("Monitors").Audited(AuditResource.Maintenance);
        windows.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Maintenance windows, latest start first, each saying whether it is active now.");
        windows.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer).WithSummary("One maintenance window.");
        windows.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Creates a maintenance window: {\"name\", \"monitorId\" (null: every monitor), \"startsAt\", \"endsAt\"} (at most 31 days).")
            .ProducesValidationProblem();
        windows.MapPut("/{id}", ReplaceAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Replaces a maintenance window (end it early by setting endsAt to now).")
            .ProducesValidationProblem();
        windows.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a maintenance window.");
        return app;
    }

    private static async Task<Ok<JsonObject[]>> ListAsync(MonitorRepository repository, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return TypedResults.Ok((await repository.MaintenanceAsync(cancellationToken).ConfigureAwait(false)).Select(w => MonitorResponses.Maintenance(w, now)).ToArray());
    }

    internal static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> GetAsync(string id, MonitorRepository repository, TimeProvider time, CancellationToken cancellationToken) =>
        (await repository.MaintenanceAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(w => w.Id == id) is { } window
            ? TypedResults.Ok(MonitorResponses.Maintenance(window, time.GetUtcNow().ToUnixTimeMilliseconds()))
            : NotFound(id);

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, MonitorRepository repository, MonitorScheduler scheduler, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var read = await ReadAsync(request, id, now.ToUnixTimeMilliseconds(), repository, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        await repository.SaveMaintenanceAsync(read.Window!, cancellationToken).ConfigureAwait(false);
        scheduler.RequestReload();
        return TypedResults.Created($"{Route}/{id}", MonitorResponses.Maintenance(read.Window!, now.ToUnixTimeMilliseconds()));
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ReplaceAsync(
        string id, HttpRequest request, MonitorRepository repository, MonitorScheduler scheduler, TimeProvider time, CancellationToken cancellationToken)
    {
        var existing = (await repository.MaintenanceAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(w => w.Id == id);
        if (existing is null)
        {
            return NotFound(id);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var read = await ReadAsync(request, id, existing.CreatedAtMs, repository, cancellationToken).ConfigureAwait(false);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        await repository.SaveMaintenanceAsync(read.Window!, cancellationToken).ConfigureAwait(false);
        scheduler.RequestReload();
        return TypedResults.Ok(MonitorResponses.Maintenance(read.Window!, now));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, MonitorRepository repository, MonitorScheduler scheduler, CancellationToken cancellationToken)
    {
        if (!await repository.DeleteMaintenanceAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        scheduler.RequestReload();
        return TypedResults.NoContent();
    }

    private static async Task<(StoredMaintenance? Window, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, string id, long createdAtMs, MonitorRepository repository, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return (null, read.Problem);
        }

        using var body = read.Value;
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, Problems.Field("$", "The body must be a JSON object."));
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("name" or "monitorId" or "startsAt" or "endsAt" or "id" or "active" or "createdAt"))
            {
                errors[property.Name] = [$"'{property.Name}' is not a known field."];
            }
        }

        string? name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()!.Trim() : null;
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors["name"] = ["'name' is required: a string of at most 200 characters."];
        }

        string? monitorId = null;
        if (root.TryGetProperty("monitorId", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.String || await repository.GetAsync(m.GetString()!, cancellationToken).ConfigureAwait(false) is null)
            {
                errors["monitorId"] = ["'monitorId' must be the id of a monitor, or null for every monitor."];
            }
            else
            {
                monitorId = m.GetString();
            }
        }

        DateTimeOffset? Time(string field)
        {
            if (root.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var at))
            {
                return at;
            }

            errors[field] = [$"'{field}' is required: an ISO-8601 time such as 2026-01-31T12:00:00Z."];
            return null;
        }

        var starts = Time("startsAt");
        var ends = Time("endsAt");
        if (starts is { } s && ends is { } e2)
        {
            if (e2 <= s)
            {
                errors["endsAt"] = ["'endsAt' must be after 'startsAt'."];
            }
            else if (e2 - s > MaxLength)
            {
                errors["endsAt"] = ["A maintenance window lasts at most 31 days."];
            }
        }

        if (errors.Count > 0)
        {
            return (null, Problems.Validation("The maintenance window is invalid: see errors.", errors));
        }

        return (new StoredMaintenance(id, name!, monitorId, starts!.Value.ToUnixTimeMilliseconds(), ends!.Value.ToUnixTimeMilliseconds(), createdAtMs), null);
    }

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No maintenance window has id '{id}'.");
}
