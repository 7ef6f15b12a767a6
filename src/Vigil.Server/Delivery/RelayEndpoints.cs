using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Channels;
using Vigil.Delivery.Relay;
using Vigil.Jobs;
using Vigil.Notifications;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Rules;
using Vigil.Storage;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery;

/// <summary>
/// The webhook relay (seed 000): endpoints under <c>/api/v1/relay/endpoints</c> (admin), and
/// <c>POST /api/webhook/{slug}</c>, which accepts any JSON, stores it with one delivery job per
/// integration in one transaction, waits up to 10 s for the first attempts and answers with
/// per-integration counts; failures stay queued for retry.
/// </summary>
internal static partial class RelayEndpoints
{
    public const string Route = "/api/v1/relay";
    public const string RateLimitPolicy = "relay";

    private const string MaskedSecret = "********";

    public static IEndpointRouteBuilder MapRelayEndpoints(this IEndpointRouteBuilder app)
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
        app.MapPost("/api/webhook/{slug}", RelayAsync).AllowAnonymous().RequireRateLimiting(RateLimitPolicy).WithTags("Webhook relay")
            .WithSummary("Relays any JSON body to the endpoint's integrations; answers with per-integration counts after the first attempts (at most 10 s).");
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
        var endpoint = new StoredRelayEndpoint(
            Guid.CreateVersion7(time.GetUtcNow()).ToString("N"), document.Slug!, document.Name!, [.. document.Integrations!.Select(i => i!)],
            document.Secret is { Length: > 0 } secret ? Protector(protection).Protect(secret) : null, nowMs, nowMs);
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
        if (MergePatch.FindProblem(body.RootElement, duplicates: true) is ({ } field, { } message))
        {
            return Problems.Field(field, message);
        }

        if (await relays.GetEndpointAsync(id, cancellationToken).ConfigureAwait(false) is not { } current)
        {
            return NotFound(id);
        }

        var currentDocument = new RelayEndpointDocument { Slug = current.Slug, Name = current.Name, Integrations = [.. current.Integrations], Secret = current.Secret is null ? null : MaskedSecret };
        var merged = MergePatch.Apply(JsonSerializer.SerializeToNode(currentDocument, options), JsonObject.Create(body.RootElement))!.Deserialize<RelayEndpointDocument>(options)!;
        if (await ValidateAsync(merged, channels, cancellationToken).ConfigureAwait(false) is { } invalid)
        {
            return invalid;
        }

        var secret = merged.Secret switch
        {
            MaskedSecret => current.Secret,
            { Length: > 0 } clear => Protector(protection).Protect(clear),
            _ => null,
        };
        var updated = current with { Slug = merged.Slug!, Name = merged.Name!, Integrations = [.. merged.Integrations!.Select(i => i!)], Secret = secret, UpdatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds() };
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
        var endpoints = await relays.ListEndpointsAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var today = await relays.CountRequestsSinceAsync(midnight.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        var counts = await queue.CountsAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RelayDashboardStats(endpoints.Count, endpoints.SelectMany(e => e.Integrations).Distinct(StringComparer.Ordinal).Count(), today, counts.Pending));
    }

    private static async Task<Results<Ok<RelayResponse>, ProblemHttpResult>> RelayAsync(
        string slug, HttpRequest request, RelayRepository relays, RelayIntake intake,
        IDataProtectionProvider protection, IOptions<RelayOptions> options, CancellationToken cancellationToken)
    {
        if (await relays.GetBySlugAsync(slug, cancellationToken).ConfigureAwait(false) is not { } endpoint)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No relay endpoint has slug '{slug}'.");
        }

        if (endpoint.Secret is { } protectedSecret && !SecretMatches(request, Protector(protection).Unprotect(protectedSecret)))
        {
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Send the endpoint's secret in X-Relay-Secret or Authorization: Bearer.");
        }

        if (request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.");
        }

        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        string body;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }

            using var parsed = JsonDocument.Parse(buffer.ToArray());
            body = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (JsonException ex)
        {
            return Problems.Field("$", $"The body is not valid JSON: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }

        var outcome = await intake.AcceptAsync(endpoint, body, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RelayResponse(outcome.Failed == 0, $"Delivered to {outcome.Successful}/{outcome.Total} integrations", new RelayStats(outcome.Total, outcome.Successful, outcome.Failed), outcome.RequestId));
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

    private static bool SecretMatches(HttpRequest request, string secret)
    {
        var given = request.Headers["X-Relay-Secret"].ToString();
        if (given.Length == 0 && request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = authorization["Bearer ".Length..].Trim();
        }

        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(secret));
    }

    private static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("Vigil.RelaySecrets.v1");

    internal static RelayEndpointResponse ToResponse(StoredRelayEndpoint e) => new(
        e.Id, e.Slug, e.Name, e.Integrations, e.Secret is null ? null : MaskedSecret, $"/api/webhook/{e.Slug}",
        DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(e.UpdatedAtMs));

    private static ProblemHttpResult TooLarge(int limit) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "The body is too large", $"A relayed body may be at most {limit} bytes (Vigil:Relay:MaxBodyBytes).");

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No relay endpoint has id '{id}'.");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();
}
