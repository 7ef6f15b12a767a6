using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Alerts;
using Vigil.Delivery.Acknowledge;
using Vigil.Delivery.Channels;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Rules;
using Vigil.Storage.Alerts;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery;

/// <summary>
/// <c>/api/v1/channels</c>: list and read (viewer), create, change, delete and test (admin).
/// Secrets come back masked; a masked value sent back keeps the stored secret.
/// </summary>
internal static class ChannelEndpoints
{
    public const string Route = "/api/v1/channels";

    public static IEndpointRouteBuilder MapChannelEndpoints(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup(Route).WithTags("Channels").Audited(AuditResource.Channels);
        channels.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Notification channels, secrets masked, with the circuit breaker state of each destination.");
        channels.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer).WithSummary("One channel, secrets masked.");
        channels.MapPost("", CreateAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Creates a channel: email, slack, discord, teams, webhook or in_app (see SPEC §4 for the body).")
            .ProducesValidationProblem();
        channels.MapPatch("/{id}", PatchAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Changes the fields of a channel the body names (JSON merge patch); masked secrets sent back are kept.")
            .ProducesValidationProblem();
        channels.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Deletes a channel no rule or relay endpoint uses (409 names those that do).");
        channels.MapPost("/{id}/test", TestAsync).RequireAuthorization(Policies.Admin).NotAudited()
            .WithSummary("Sends a test notification to the channel now and answers how it went.");
        return app;
    }

    private static async Task<Ok<JsonObject[]>> ListAsync(ChannelStore store, NotificationSender sender, CancellationToken cancellationToken)
    {
        var all = await store.AllAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(all.Values.OrderBy(c => c.Definition.Name, StringComparer.Ordinal).Select(c => ToResponse(c, sender)).ToArray());
    }

    internal static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> GetAsync(string id, ChannelStore store, NotificationSender sender, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } channel
            ? TypedResults.Ok(ToResponse(channel, sender))
            : NotFound(id);

    private static async Task<Results<Created<JsonObject>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ChannelStore store, ChannelRepository repository, DestinationGuard guard, NotificationSender sender, TimeProvider time, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        using var body = read.Value;
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var parsed = ChannelJson.Parse(body.RootElement, id);
        if (await CheckAsync(parsed, guard, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return invalid;
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        if (!await repository.InsertAsync(store.ToStored(parsed.Channel!, null, nowMs, nowMs, 1), cancellationToken).ConfigureAwait(false))
        {
            return Problems.Field("name", $"A channel named '{parsed.Channel!.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        await store.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
        var created = (await store.GetAsync(id, cancellationToken).ConfigureAwait(false))!;
        return TypedResults.Created($"{Route}/{id}", ToResponse(created, sender));
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, ChannelStore store, ChannelRepository repository, DestinationGuard guard, NotificationSender sender, TimeProvider time, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        using var patchDocument = read.Value;
        var body = patchDocument.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Problems.Field("$", "The body must be a JSON object.");
        }

        // Merge onto what is stored now, not onto a cached copy.
        if (await store.ReadStoredAsync(id, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return NotFound(id);
        }

        var merged = MergePatch.Apply(ChannelJson.ToJson(ChannelMasking.Mask(current.Definition)), JsonObject.Create(body));
        using var document = JsonDocument.Parse(merged!.ToJsonString());
        var parsed = ChannelJson.Parse(document.RootElement, id);
        if (parsed.Channel is not null)
        {
            // A stored secret goes only where it was set for: a new destination needs it again.
            if (ChannelMasking.SecretsKeptForAnotherDestination(parsed.Channel, current.Definition) is { Count: > 0 } kept)
            {
                return Invalid(kept);
            }

            parsed = parsed with { Channel = ChannelMasking.RestoreSecrets(parsed.Channel, current.Definition) };
        }

        if (await CheckAsync(parsed, guard, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return invalid;
        }

        // Enabling a channel again clears why Vigil had disabled it.
        var reason = parsed.Channel!.Enabled ? null : current.DisabledReason;
        var (updated, nameTaken) = await repository.UpdateAsync(
            store.ToStored(parsed.Channel, reason, current.CreatedAtMs, time.GetUtcNow().ToUnixTimeMilliseconds(), current.Version), current.Version, cancellationToken).ConfigureAwait(false);
        if (nameTaken)
        {
            return Problems.Field("name", $"A channel named '{parsed.Channel.Name}' exists already.", StatusCodes.Status409Conflict);
        }

        if (updated is null)
        {
            return Problems.Status(StatusCodes.Status409Conflict, "The channel changed meanwhile", "Another change won; read the channel and send the request again.");
        }

        await store.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse((await store.GetAsync(id, cancellationToken).ConfigureAwait(false))!, sender));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id, ChannelStore store, ChannelRepository repository, IRuleSource rules, RelayRepository relays, CancellationToken cancellationToken)
    {
        var users = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false))
            .Where(r => r.Channels.Contains(id, StringComparer.Ordinal) || r.EscalationChannels.Contains(id, StringComparer.Ordinal))
            .Select(r => $"rule '{r.Name}' ({r.Id})")
            .Concat((await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false))
                .Where(e => e.Integrations.Contains(id, StringComparer.Ordinal)).Select(e => $"relay endpoint '{e.Slug}'"))
            .ToList();
        if (users.Count > 0)
        {
            return Problems.Status(StatusCodes.Status409Conflict, "The channel is in use", $"Remove it from {string.Join(", ", users)} first.");
        }

        if (!await repository.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        await store.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ChannelTestResponse>, ProblemHttpResult>> TestAsync(
        string id, ChannelStore store, NotificationSender sender, AcknowledgeLinks links, Microsoft.Extensions.Options.IOptions<HttpOptions> http, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } channel)
        {
            return NotFound(id);
        }

        if (store.UnresolvedSecret(channel.Definition) is { } missing)
        {
            return TypedResults.Ok(new ChannelTestResponse(false, DeliveryStatus.PermanentFailure.ToWire(), null, missing, 0));
        }

        var now = time.GetUtcNow();
        var notification = new AlertNotification("test", "Vigil test notification", IntentKind.Firing, Severity.Info, "vigil_channel_test", 1, null, now)
        {
            Description = $"A test from Vigil for channel '{channel.Definition.Name}': if you read this, alerts will reach you here.",
            DashboardUrl = http.Value.PublicUrl.TrimEnd('/') + "/",
        };
        var result = await sender.SendAsync(
            DeliveryRequest.ForAlert(store.ForSending(channel.Definition), $"test:{id}:{Guid.CreateVersion7(now):N}", notification), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ChannelTestResponse(result.IsDelivered, result.Status.ToWire(), result.HttpStatus, result.Error, Math.Round(result.Duration.TotalMilliseconds, 1)));
    }

    private static async Task<ProblemHttpResult?> CheckAsync(ChannelParseResult parsed, DestinationGuard guard, CancellationToken cancellationToken)
    {
        var problems = parsed.Channel is { } channel ? await guard.CheckAsync(channel, cancellationToken).ConfigureAwait(false) : parsed.Problems;
        return problems.Count == 0 ? null : Invalid(problems);
    }

    private static ProblemHttpResult Invalid(IReadOnlyList<ChannelProblem> problems)
    {
        var errors = problems.GroupBy(p => p.Field.Length == 0 ? "$" : p.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray(), StringComparer.Ordinal);
        return Problems.Validation("The channel is invalid.", errors);
    }

    private static JsonObject ToResponse(ChannelEntry entry, NotificationSender sender)
    {
        var json = ChannelJson.ToJson(ChannelMasking.Mask(entry.Definition));
        json["disabledReason"] = entry.DisabledReason;
        json["createdAt"] = DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs);
        json["updatedAt"] = DateTimeOffset.FromUnixTimeMilliseconds(entry.UpdatedAtMs);
        json["destination"] = sender.GetDestinationHealth(entry.Definition) is { } health
            ? new JsonObject
            {
                ["state"] = health.StateName,
                ["consecutiveFailures"] = health.ConsecutiveFailures,
                ["openedAt"] = health.OpenedAt,
                ["retryAt"] = health.RetryAt,
            }
            : null;
        return json;
    }

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No channel has id '{id}'.");
}
