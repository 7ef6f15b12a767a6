using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Acknowledge;
using Vigil.Monitoring;
using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Monitoring.Scheduling;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Rules;
using Vigil.Storage.Monitors;

namespace Vigil.Server.Monitors;

/// <summary>
/// <c>/api/v1/monitors</c>: list and read with state, uptime and latest checks, and the check log
/// (viewer); create, replace, change, delete and check now (admin). Bodies are checked field by
/// field (<see cref="MonitorJson"/>) and targets against the outbound address guard.
/// </summary>
internal static class MonitorEndpoints
{
    public const string Route = "/api/v1/monitors";

    private const int DefaultPage = 50;
    private const int MaxPage = 500;

    public static IEndpointRouteBuilder MapMonitorEndpoints(this IEndpointRouteBuilder app)
    {
        var monitors = app.MapGroup(Route).WithTags("Monitors").Audited(AuditResource.Monitors);
        monitors.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Uptime monitors with their state (up, degraded, pending, down, paused, unknown), uptime over 24 h, 7 d and 30 d, and their latest checks (recent=0 to 100, default 20).");
        monitors.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One monitor with its state, uptime and latest checks.");
        monitors.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Creates an http, tcp or heartbeat monitor (see docs/MONITORS.md for the fields). A heartbeat monitor's answer carries its check-in URL.")
            .ProducesValidationProblem();
        monitors.MapPut("/{id}", ReplaceAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Replaces a monitor's definition (omitted fields take their defaults). A new type or target starts its state afresh.")
            .ProducesValidationProblem();
        monitors.MapPatch("/{id}", PatchAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Changes the fields of a monitor the body names (JSON merge patch: null resets a field to its default).")
            .ProducesValidationProblem();
        monitors.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Deletes a monitor, its checks and its own maintenance windows; its open system_down alert resolves.");
        monitors.MapPost("/{id}/check", CheckNowAsync).RequireAuthorization(Policies.Admin).NotAudited()
            .WithSummary("Checks the monitor now and answers the result; on the process that runs the checks it counts as a check (stored, state and alert updated).");
        monitors.MapGet("/{id}/checks", ChecksAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("The monitor's checks, newest first: limit (1 to 500, default 50), and before=<id> for the next page (the answer's next).");
        return app;
    }

    private static async Task<Results<Ok<JsonObject[]>, ProblemHttpResult>> ListAsync(
        HttpContext context, MonitorCatalog catalog, IOptions<PublicLinkOptions> links, CancellationToken cancellationToken)
    {
        if (RecentOf(context.Request) is not { } recent)
        {
            return Problems.Field("recent", "'recent' must be a whole number from 0 to 100.");
        }

        var views = await catalog.ListAsync(recent, cancellationToken).ConfigureAwait(false);
        var admin = context.User.IsInRole(Policies.Admin);
        return TypedResults.Ok(views.Select(v => MonitorResponses.Monitor(v, admin, links.Value.Link)).ToArray());
    }

    internal static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> GetAsync(
        string id, HttpContext context, MonitorCatalog catalog, IOptions<PublicLinkOptions> links, CancellationToken cancellationToken)
    {
        if (RecentOf(context.Request) is not { } recent)
        {
            return Problems.Field("recent", "'recent' must be a whole number from 0 to 100.");
        }

        return await catalog.GetAsync(id, recent, cancellationToken).ConfigureAwait(false) is { } view
            ? TypedResults.Ok(MonitorResponses.Monitor(view, context.User.IsInRole(Policies.Admin), links.Value.Link))
            : NotFound(id);
    }

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, MonitorRepository repository, MonitorCatalog catalog, MonitorValidator validator, MonitorScheduler scheduler,
        IOptions<MonitoringOptions> options, IOptions<PublicLinkOptions> links, TimeProvider time, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        using var body = read.Value;
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var parsed = await ReadAsync(body.RootElement, id, validator, options.Value, cancellationToken).ConfigureAwait(false);
        if (parsed.Definition is not { } definition)
        {
            return Invalid(parsed.Errors);
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var stored = new StoredMonitor
        {
            Id = id,
            Name = definition.Name,
            Type = definition.Type.ToWire(),
            Enabled = definition.Enabled,
            IntervalSeconds = definition.IntervalSeconds,
            Definition = MonitorJson.Write(definition).ToJsonString(),
            HeartbeatToken = definition.Type == MonitorType.Heartbeat ? NewToken() : null,
            CreatedAtMs = nowMs,
            UpdatedAtMs = nowMs,
            Version = 1,
        };
        if (!await repository.InsertAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Field("name", $"A monitor named '{definition.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        scheduler.RequestReload();
        var view = (await catalog.GetAsync(id, 0, cancellationToken).ConfigureAwait(false))!;
        return TypedResults.Created($"{Route}/{id}", MonitorResponses.Monitor(view, showToken: true, links.Value.Link));
    }

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> ReplaceAsync(
        string id, HttpRequest request, MonitorRepository repository, MonitorCatalog catalog, MonitorValidator validator, MonitorScheduler scheduler,
        IOptions<MonitoringOptions> options, IOptions<PublicLinkOptions> links, TimeProvider time, CancellationToken cancellationToken) =>
        ChangeAsync(id, request, merge: false, repository, catalog, validator, scheduler, options, links, time, cancellationToken);

    private static Task<Results<Ok<JsonObject>, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, MonitorRepository repository, MonitorCatalog catalog, MonitorValidator validator, MonitorScheduler scheduler,
        IOptions<MonitoringOptions> options, IOptions<PublicLinkOptions> links, TimeProvider time, CancellationToken cancellationToken) =>
        ChangeAsync(id, request, merge: true, repository, catalog, validator, scheduler, options, links, time, cancellationToken);

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ChangeAsync(
        string id, HttpRequest request, bool merge, MonitorRepository repository, MonitorCatalog catalog, MonitorValidator validator, MonitorScheduler scheduler,
        IOptions<MonitoringOptions> options, IOptions<PublicLinkOptions> links, TimeProvider time, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        using var patch = read.Value;
        if (patch.RootElement.ValueKind != JsonValueKind.Object)
        {
            return Problems.Field("$", "The body must be a JSON object.");
        }

        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return NotFound(id);
        }

        var before = MonitorJson.ReadStored(current.Id, current.Definition);
        var merged = merge ? MergePatch.Apply(MonitorJson.Write(before), JsonObject.Create(patch.RootElement))! : JsonNode.Parse(patch.RootElement.GetRawText())!;
        using var document = JsonDocument.Parse(merged.ToJsonString());
        var parsed = await ReadAsync(document.RootElement, id, validator, options.Value, cancellationToken).ConfigureAwait(false);
        if (parsed.Definition is not { } definition)
        {
            return Invalid(parsed.Errors);
        }

        var token = definition.Type != MonitorType.Heartbeat ? null : current.HeartbeatToken ?? NewToken();
        var (updated, nameTaken) = await repository.UpdateAsync(
            current with
            {
                Name = definition.Name,
                Type = definition.Type.ToWire(),
                Enabled = definition.Enabled,
                IntervalSeconds = definition.IntervalSeconds,
                Definition = MonitorJson.Write(definition).ToJsonString(),
                HeartbeatToken = token,
                UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            },
            current.Version,
            resetState: before.Type != definition.Type || before.Target != definition.Target,
            cancellationToken).ConfigureAwait(false);
        if (nameTaken)
        {
            return Problems.Field("name", $"A monitor named '{definition.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        if (updated is null)
        {
            return Problems.Status(StatusCodes.Status409Conflict, "The monitor changed meanwhile", "Another change won; read the monitor and send the request again.");
        }

        scheduler.RequestReload();
        var view = (await catalog.GetAsync(id, 0, cancellationToken).ConfigureAwait(false))!;
        return TypedResults.Ok(MonitorResponses.Monitor(view, showToken: true, links.Value.Link));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, MonitorRepository repository, MonitorScheduler scheduler, CancellationToken cancellationToken)
    {
        if (!await repository.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        scheduler.RequestReload();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> CheckNowAsync(string id, MonitorScheduler scheduler, TimeProvider time, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        return await scheduler.CheckNowAsync(id, cancellationToken).ConfigureAwait(false) is { } done
            ? TypedResults.Ok(MonitorResponses.CheckNow(done.Result, done.Applied, at))
            : NotFound(id);
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ChecksAsync(string id, HttpRequest request, MonitorRepository repository, CancellationToken cancellationToken)
    {
        var limit = DefaultPage;
        if (request.Query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
        {
            return Problems.Field("limit", string.Create(CultureInfo.InvariantCulture, $"'limit' must be a whole number from 1 to {MaxPage}."));
        }

        long? before = null;
        if (request.Query.TryGetValue("before", out var beforeText))
        {
            if (!long.TryParse(beforeText, NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                return Problems.Field("before", "'before' must be a check id (the 'next' of the previous page).");
            }

            before = cursor;
        }

        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is null)
        {
            return NotFound(id);
        }

        var checks = await repository.ChecksAsync(id, before, limit, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new JsonObject
        {
            ["checks"] = new JsonArray([.. checks.Select(c => (JsonNode)MonitorResponses.Check(c))]),
            ["next"] = checks.Count == limit ? checks[^1].Id.ToString(CultureInfo.InvariantCulture) : null,
        });
    }

    // The body's problems per field, then (when it has none) where its target leads.
    private static async Task<MonitorParseResult> ReadAsync(JsonElement body, string id, MonitorValidator validator, MonitoringOptions options, CancellationToken cancellationToken)
    {
        var parsed = MonitorJson.Parse(body, id, options);
        if (!parsed.IsValid)
        {
            return parsed;
        }

        var target = await validator.CheckTargetAsync(parsed.Definition!, cancellationToken).ConfigureAwait(false);
        return target.Count == 0 ? parsed : new MonitorParseResult(null, target);
    }

    private static ProblemHttpResult Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        Problems.Validation("The monitor is invalid: see errors.", errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));

    private static int? RecentOf(HttpRequest request) =>
        !request.Query.TryGetValue("recent", out var text) ? 20
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var recent) && recent <= 100 ? recent
        : null;

    private static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(24));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No monitor has id '{id}'.");
}
