using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Channels;
using Vigil.Delivery.Relay;
using Vigil.Jobs.Queue;
using Vigil.Notifications.Channels;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Rules;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// Managing the webhook relay (seed 000): endpoints under <c>/api/v1/relay/endpoints</c> (admin
/// changes them, viewers read them), the request log and the dashboard counts. The calls
/// themselves come in at <see cref="RelayWebhookEndpoints"/>.
/// </summary>
internal static partial class RelayManagementEndpoints
{
    public const string Route = "/api/v1/relay";

    public static IEndpointRouteBuilder MapRelayManagementEndpoints(this IEndpointRouteBuilder app)
    {
        var endpoints = app.MapGroup(Route + "/endpoints").WithTags("Webhook relay").Audited(AuditResource.RelayEndpoints);
        endpoints.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer).WithSummary("Relay endpoints.");
        endpoints.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin).WithSummary("Creates a relay endpoint: POST /api/webhook/{slug} then fans out to its integrations.").ProducesValidationProblem();
        endpoints.MapPatch("/{id}", PatchAsync).RequireAuthorization(Policies.Admin).WithSummary("Changes a relay endpoint (JSON merge patch).").ProducesValidationProblem();
        endpoints.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin).WithSummary("Deletes a relay endpoint; its request log stays.");
        app.MapGet(Route + "/requests", RequestsAsync).RequireAuthorization(Policies.Viewer).WithTags("Webhook relay")
            .WithSummary("The request log, newest first. Query: endpointId, limit (1-1000, default 100).");
        app.MapGet(Route + "/stats", StatsAsync).RequireAuthorization(Policies.Viewer).WithTags("Webhook relay")
            .WithSummary("Endpoints, integrations, requests today and deliveries pending.");
        return app;
    }

    private static async Task<Ok<RelayEndpointResponse[]>> ListAsync(RelayRepository relays, CancellationToken cancellationToken) =>
        TypedResults.Ok((await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false)).Select(ToResponse).ToArray());

    private static async Task<Results<Created<RelayEndpointResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, RelayRepository relays, ChannelStore channels, IDataProtectionProvider protection, TimeProvider time,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<RelayEndpointDocument>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var document = read.Value;

        if (await ValidateAsync(document, channels, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return invalid;
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var secret = document.Secret is { Length: > 0 } clear ? RelaySecrets.Protector(protection).Protect(clear) : null;
        var endpoint = new StoredRelayEndpoint(
            Guid.CreateVersion7(time.GetUtcNow()).ToString("N"), document.Slug!, document.Name!, [.. document.Integrations!.Select(i => i!)],
            secret, nowMs, nowMs, AllowUnauthenticated: secret is null);
        if (!await relays.InsertEndpointAsync(endpoint, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Field("slug", $"The slug '{endpoint.Slug}' is taken.", StatusCodes.Status409Conflict);
        }

        return TypedResults.Created($"{Route}/endpoints/{endpoint.Id}", ToResponse(endpoint));
    }

    private static async Task<Results<Ok<RelayEndpointResponse>, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, RelayRepository relays, ChannelStore channels, IDataProtectionProvider protection, TimeProvider time,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        request.EnableBuffering();
        var read = await Problems.ReadJsonAsync<RelayEndpointDocument>(request, options, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        request.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (await relays.GetEndpointAsync(id, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return NotFound(id);
        }

        var currentDocument = new RelayEndpointDocument
        {
            Slug = current.Slug, Name = current.Name, Integrations = [.. current.Integrations], Secret = current.Secret is null ? null : RelaySecrets.Masked,
            AllowUnauthenticated = current.Secret is null && current.AllowUnauthenticated ? true : null,
        };
        var merged = MergePatch.Apply(JsonSerializer.SerializeToNode(currentDocument, options), JsonObject.Create(body.RootElement))!.Deserialize<RelayEndpointDocument>(options)!;
        if (await ValidateAsync(merged, channels, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return invalid;
        }

        var secret = merged.Secret switch
        {
            RelaySecrets.Masked => current.Secret,
            { Length: > 0 } clear => RelaySecrets.Protector(protection).Protect(clear),
            _ => null,
        };
        var updated = current with
        {
            Slug = merged.Slug!, Name = merged.Name!, Integrations = [.. merged.Integrations!.Select(i => i!)], Secret = secret,
            AllowUnauthenticated = secret is null, UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        var (ok, slugTaken) = await relays.UpdateEndpointAsync(updated, cancellationToken).ConfigureAwait(false);
        if (slugTaken)
        {
            return Problems.Field("slug", $"The slug '{updated.Slug}' is taken.", StatusCodes.Status409Conflict);
        }

        return ok ? TypedResults.Ok(ToResponse(updated)) : NotFound(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, RelayRepository relays, CancellationToken cancellationToken) =>
        await relays.DeleteEndpointAsync(id, cancellationToken).ConfigureAwait(false) ? TypedResults.NoContent() : NotFound(id);

    private static async Task<Results<Ok<RelayRequestResponse[]>, ProblemHttpResult>> RequestsAsync(HttpRequest request, RelayRepository relays, CancellationToken cancellationToken)
    {
        var limit = 100;
        if (request.Query["limit"].Count > 0 && (!int.TryParse(request.Query["limit"], out limit) || limit is < 1 or > 1000))
        {
            return Problems.Field("limit", "must be a whole number from 1 to 1000");
        }

        var endpointId = request.Query["endpointId"].Count > 0 ? request.Query["endpointId"].ToString() : null;
        var rows = await relays.RequestsAsync(endpointId, limit, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(r => new RelayRequestResponse(
            r.Id, r.EndpointId, DateTimeOffset.FromUnixTimeMilliseconds(r.ReceivedAtMs), r.Status, r.Total, r.Successful, r.Failed, Math.Max(0, r.Total - r.Successful - r.Failed))).ToArray());
    }

    private static async Task<Ok<RelayDashboardStats>> StatsAsync(RelayRepository relays, JobQueue queue, TimeProvider time, CancellationToken cancellationToken)
    {
        var counts = await RelayCounts.LoadAsync(relays, await queue.CountsAsync(cancellationToken).ConfigureAwait(false), time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RelayDashboardStats(counts.Endpoints, counts.Integrations, counts.RequestsToday, counts.QueuePending));
    }

    private static async Task<ProblemHttpResult?> ValidateAsync(RelayEndpointDocument document, ChannelStore channels, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(document.Slug))
        {
            errors["slug"] = ["is required"];
        }
        else if (!SlugPattern().IsMatch(document.Slug))
        {
            errors["slug"] = ["must be 1 to 64 lowercase letters, digits and dashes, starting with a letter or digit"];
        }

        if (string.IsNullOrWhiteSpace(document.Name))
        {
            errors["name"] = ["is required"];
        }
        else if (document.Name.Length > 200)
        {
            errors["name"] = ["is longer than 200 characters"];
        }

        if (document.Secret is { Length: > 200 })
        {
            errors["secret"] = ["is longer than 200 characters"];
        }
        else if (document.Secret is not { Length: > 0 } && document.AllowUnauthenticated != true)
        {
            errors["allowUnauthenticated"] = ["must be true for an endpoint without a secret (anyone who knows its slug can then relay through it); or set a secret"];
        }

        if (document.Integrations is not { Count: > 0 } integrations)
        {
            errors["integrations"] = ["is required: at least one channel id"];
        }
        else
        {
            var known = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < integrations.Count; i++)
            {
                if (integrations[i] is not { Length: > 0 } id)
                {
                    errors[$"integrations[{i}]"] = ["must be a channel id"];
                }
                else if (!known.TryGetValue(id, out var channel))
                {
                    errors[$"integrations[{i}]"] = [$"channel '{id}' does not exist"];
                }
                else if (channel.Definition.Type == ChannelType.InApp)
                {
                    errors[$"integrations[{i}]"] = ["an in_app channel cannot receive relayed webhooks"];
                }
            }
        }

        return errors.Count == 0 ? null : Problems.Validation("The relay endpoint is invalid.", errors);
    }

    internal static RelayEndpointResponse ToResponse(StoredRelayEndpoint e) => new(
        e.Id, e.Slug, e.Name, e.Integrations, e.Secret is null ? null : RelaySecrets.Masked, $"{RelayWebhookEndpoints.Route}/{e.Slug}",
        DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(e.UpdatedAtMs), e.Secret is null && e.AllowUnauthenticated);

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No relay endpoint has id '{id}'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();
}
