using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Delivery.Relay;
using Vigil.Server.Http;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// <c>POST /api/webhook/{slug}</c> (seed 000): accepts any JSON from a caller that presents the
/// endpoint's secret (or any caller, for an endpoint that allows it), stores it with one delivery
/// job per integration in one transaction, waits up to 10 s for the first attempts and answers
/// with per-integration counts; failures stay queued for retry. In order: an address with too
/// many failed calls is turned away before its secret is read; the secret is checked; only then
/// does the call count against its address and its endpoint (<see cref="RelayCallerLimits"/>).
/// Every 429 and 503 carries <c>Retry-After</c>; every refusal is logged, sampled (<see cref="RelayRefusalLog"/>).
/// </summary>
internal static class RelayWebhookEndpoints
{
    public const string Route = "/api/webhook";

    /// <summary>What a call refused for a full stored-body budget is told to wait.</summary>
    private static readonly TimeSpan BudgetRetryAfter = TimeSpan.FromSeconds(60);

    public static IEndpointRouteBuilder MapRelayWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route + "/{slug}", RelayAsync).AllowAnonymous().WithTags("Webhook relay")
            .WithSummary("Relays any JSON body to the endpoint's integrations; answers with per-integration counts after the first attempts (at most 10 s).")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<RelayResponse>, ProblemHttpResult>> RelayAsync(
        string slug, HttpRequest request, RelayRepository relays, RelayIntake intake, RelayCallerLimits limits,
        IDataProtectionProvider protection, IOptions<RelayOptions> options, RelayRefusalLog refusals, CancellationToken cancellationToken)
    {
        var address = Auth.ClientAddress.Of(request.HttpContext);
        if (!limits.MayTry(address, out var lockedFor))
        {
            refusals.Refused(address, slug, RelayRefusal.LockedOut);
            return Refuse(request, StatusCodes.Status429TooManyRequests, "Too many requests", lockedFor,
                $"Too many relay calls with a wrong secret or an unknown slug from this address (more than {RelayOptions.Section}:{nameof(RelayOptions.FailedAttemptsPerMinute)} a minute).");
        }

        if (await relays.GetBySlugAsync(slug, cancellationToken).ConfigureAwait(false) is not { } endpoint)
        {
            limits.CountFailure(address);
            refusals.Refused(address, slug, RelayRefusal.UnknownSlug);
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No relay endpoint has slug '{slug}'.");
        }

        if (!RelaySecrets.Admits(endpoint, request, protection))
        {
            limits.CountFailure(address);
            refusals.Refused(address, slug, RelayRefusal.WrongSecret);
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "Send the endpoint's secret in X-Relay-Secret or Authorization: Bearer.");
        }

        if (limits.TryCall(address, endpoint.Id, out var retryAfter) is { } limit)
        {
            refusals.Refused(address, slug, RelayRefusal.RateLimited);
            return Refuse(request, StatusCodes.Status429TooManyRequests, "Too many requests", retryAfter, $"More relay calls than {limit} allows.");
        }

        if (request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            refusals.Refused(address, slug, RelayRefusal.NotJson);
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.");
        }

        var (limitBytes, setting) = endpoint.Secret is null && options.Value.UnauthenticatedMaxBodyBytes < options.Value.MaxBodyBytes
            ? (options.Value.UnauthenticatedMaxBodyBytes, nameof(RelayOptions.UnauthenticatedMaxBodyBytes))
            : (options.Value.MaxBodyBytes, nameof(RelayOptions.MaxBodyBytes));
        if (request.ContentLength > limitBytes)
        {
            refusals.Refused(address, slug, RelayRefusal.TooLarge);
            return TooLarge(limitBytes, setting);
        }

        string body;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limitBytes)
                {
                    refusals.Refused(address, slug, RelayRefusal.TooLarge);
                    return TooLarge(limitBytes, setting);
                }

                buffer.Write(chunk, 0, read);
            }

            using var parsed = JsonDocument.Parse(buffer.ToArray());
            body = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (JsonException ex)
        {
            refusals.Refused(address, slug, RelayRefusal.NotJson);
            return Problems.Field("$", $"The body is not valid JSON: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            refusals.Refused(address, slug, RelayRefusal.TooLarge);
            return TooLarge(limitBytes, setting);
        }

        if (await intake.AcceptAsync(endpoint, body, cancellationToken).ConfigureAwait(false) is not { } outcome)
        {
            refusals.Refused(address, slug, RelayRefusal.StorageFull);
            return Refuse(request, StatusCodes.Status503ServiceUnavailable, "Relay storage full", BudgetRetryAfter,
                $"The bodies of deliveries still pending fill {RelayOptions.Section}:{nameof(RelayOptions.StoredBodyBudgetBytes)}; nothing was stored. Try again later.");
        }

        return TypedResults.Ok(new RelayResponse(outcome.Failed == 0, $"Delivered to {outcome.Successful}/{outcome.Total} integrations", new RelayStats(outcome.Total, outcome.Successful, outcome.Failed), outcome.RequestId));
    }

    /// <summary>A problem the caller may retry, with <c>Retry-After</c> in whole seconds (at least 1).</summary>
    private static ProblemHttpResult Refuse(HttpRequest request, int status, string title, TimeSpan retryAfter, string detail) =>
        RetryAfter.Problem(request.HttpContext.Response, status, RetryAfter.Seconds(retryAfter), title, detail);

    private static ProblemHttpResult TooLarge(int limit, string setting) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, "The body is too large", $"A relayed body may be at most {limit} bytes ({RelayOptions.Section}:{setting}).");
}
