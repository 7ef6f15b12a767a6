using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Errors.Events;
using Vigil.Errors.Issues;
using Vigil.Errors.Sentry;
using Vigil.Otlp.Traces;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Otlp;
using Vigil.Server.Ingestion;
using Vigil.Server.Quotas;
using Vigil.Storage.Keys;

namespace Vigil.Server.Errors;

/// <summary>
/// The Sentry SDKs' endpoints, so an application points its DSN
/// (<c>http://&lt;ingest key&gt;@vigil-host/&lt;project id&gt;</c>) at Vigil: <c>POST /api/{projectId}/envelope/</c>
/// and the older <c>POST /api/{projectId}/store/</c>. The DSN's key is a Vigil API key (ingest or
/// admin), sent in <c>X-Sentry-Auth</c> (<c>sentry_key=</c>), the <c>sentry_key</c> query parameter,
/// the envelope header's <c>dsn</c>, or as Vigil's API takes keys (<c>Authorization: Bearer</c>, <c>X-Api-Key</c>). Error events become issues (<see cref="ErrorIntake"/>);
/// transactions become transactions and spans as OTLP spans do (<see cref="TraceIntake"/>); sessions,
/// client reports, attachments and unknown item types are accepted and not kept. Answers <c>{"id": "&lt;event id&gt;"}</c> as Sentry does; bad requests are problem+json.
/// </summary>
internal static class SentryEndpoints
{
    /// <summary>The envelope's content type.</summary>
    public const string EnvelopeContentType = "application/x-sentry-envelope";

    // The .NET SDK sends no content type, the browser SDK text/plain (no CORS preflight); a header-only envelope is plain JSON.
    private static readonly string[] EnvelopeTypes = [EnvelopeContentType, "text/plain", "application/octet-stream", "application/json", ""];
    private static readonly string[] StoreTypes = ["application/json", "text/plain"];

    public static IEndpointRouteBuilder MapSentryEndpoints(this IEndpointRouteBuilder app)
    {
        Describe(app.MapPost("/api/{projectId:long}/envelope/", EnvelopeAsync),
            "Records a Sentry envelope (the Sentry SDKs' protocol, gzip or deflate allowed): its error events become issues, its transactions transactions and spans; sessions, attachments and unknown item types are accepted and not kept.");
        Describe(app.MapPost("/api/{projectId:long}/store/", StoreAsync),
            "Records one Sentry event (the older store endpoint, JSON, gzip or deflate allowed) into its issue.");
        return app;
    }

    private static void Describe(RouteHandlerBuilder endpoint, string summary) => endpoint
        .AllowAnonymous() // the key comes in Sentry's own ways, checked here (see Authenticate)
        .WithTags("Errors")
        .WithSummary(summary)
        .Produces<SentryAnswer>()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> EnvelopeAsync(long projectId, HttpContext context, ErrorIntake intake, TraceIntake traces, ApiKeyService keys, AuthFailureLimiter failures,
        IngestQuotas quotas, IOptions<HttpOptions> http, TimeProvider time, CancellationToken cancellationToken)
    {
        if (WrongType(context.Request, EnvelopeTypes) is { } unsupported)
        {
            return unsupported;
        }

        var (body, bodyProblem) = await EncodedBody.ReadAsync(context.Request, http.Value.MaxRequestBodyBytes, allowDeflate: true, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        if (!SentryEnvelope.TryParse(body, out var envelope, out var problem))
        {
            // The key first: a stranger learns nothing about what Vigil accepts.
            return await AuthenticateAsync(context, null, keys, failures).ConfigureAwait(false) ?? Problems.Field("$", problem);
        }

        if (await AuthenticateAsync(context, envelope.Dsn, keys, failures).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (ValidText.FindProblem(envelope.Header) is ({ } headerField, { } headerMessage))
        {
            return Problems.Field("header" + headerField.TrimStart('$'), headerMessage);
        }

        var service = DefaultService(projectId);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var errors = new List<ErrorEvent>();
        var transactions = new List<OtlpTracesRequest>();
        for (var i = 0; i < envelope.Items.Count; i++)
        {
            var item = envelope.Items[i];
            if (item.Type is not ("event" or "transaction"))
            {
                continue; // session(s), client_report, attachment, check_in, and types to come: accepted, not kept
            }

            var at = string.Create(CultureInfo.InvariantCulture, $"items[{i}]");
            if (TextProblem(item.Payload) is ({ } textField, { } textMessage))
            {
                return Problems.Field(at + textField.TrimStart('$'), textMessage);
            }

            if (item.Type == "transaction")
            {
                if (!SentryTransactions.TryRead(item.Payload, service, out var transaction, out var transactionProblem))
                {
                    return Problems.Field(at, transactionProblem);
                }

                transactions.Add(transaction);
                continue;
            }

            if (!SentryEventReader.TryRead(item.Payload, envelope.EventId, service, nowMs, out var error, out var itemProblem))
            {
                return Problems.Field(at, itemProblem);
            }

            errors.Add(error);
        }

        // A transaction's spans take the road of OTLP spans; a span refused there (bad ids or times) is dropped alone, as Sentry's own server drops what it cannot take.
        foreach (var transaction in transactions)
        {
            if ((await traces.RecordAsync(context, transaction, cancellationToken).ConfigureAwait(false)).TooMany is { } tooMany)
            {
                return tooMany;
            }
        }

        return await RecordAsync(context, errors, envelope.EventId, intake, quotas, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> StoreAsync(long projectId, HttpContext context, ErrorIntake intake, ApiKeyService keys, AuthFailureLimiter failures,
        IngestQuotas quotas, IOptions<HttpOptions> http, TimeProvider time, CancellationToken cancellationToken)
    {
        if (WrongType(context.Request, StoreTypes) is { } unsupported)
        {
            return unsupported;
        }

        if (await AuthenticateAsync(context, null, keys, failures).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var (body, bodyProblem) = await EncodedBody.ReadAsync(context.Request, http.Value.MaxRequestBodyBytes, allowDeflate: true, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        if (TextProblem(body) is ({ } textField, { } textMessage))
        {
            return Problems.Field(textField, textMessage);
        }

        if (!SentryEventReader.TryRead(body, null, DefaultService(projectId), time.GetUtcNow().ToUnixTimeMilliseconds(), out var error, out var problem))
        {
            return Problems.Field("$", problem);
        }

        return await RecordAsync(context, [error], error.EventId, intake, quotas, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The service of events that name none (no <c>service</c> tag): the DSN's project.</summary>
    private static string DefaultService(long projectId) => string.Create(CultureInfo.InvariantCulture, $"project-{projectId}");

    private static async Task<IResult> RecordAsync(HttpContext context, List<ErrorEvent> errors, string? envelopeEventId, ErrorIntake intake, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        if (errors.Count > 0 && IngestEndpoints.AdmitRate(context, quotas, context.Features.Get<ApiKeyRecord>()?.AsQuotaHolder(), errors.Count) is { } tooMany)
        {
            return tooMany;
        }

        foreach (var error in errors)
        {
            await intake.RecordAsync(error, cancellationToken).ConfigureAwait(false);
        }

        var id = errors.Count > 0 ? errors[0].EventId : SentryEventReader.EventId(envelopeEventId);
        return TypedResults.Ok(new SentryAnswer(id));
    }

    /// <summary>Vigil's rule for a request's text (<see cref="ValidText"/>: no NUL, no lone surrogate, each member once) on a JSON payload; null when it holds, or is not JSON (the reader says why).</summary>
    private static (string Field, string Message)? TextProblem(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return ValidText.FindProblem(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProblemHttpResult? WrongType(HttpRequest request, string[] accepted)
    {
        var mediaType = request.ContentType is { } contentType ? contentType.Split(';')[0].Trim() : "";
        return accepted.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? null
            : Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send {string.Join(" or ", accepted.Where(a => a.Length > 0))}.");
    }

    /// <summary>
    /// Checks the DSN's key (<c>X-Sentry-Auth</c>, <c>?sentry_key=</c>, or the envelope's <c>dsn</c>)
    /// as the API key handler checks keys (failures per address limited); null when it is an ingest
    /// or admin key, else the problem to answer with.
    /// </summary>
    private static async Task<IResult?> AuthenticateAsync(HttpContext context, string? dsn, ApiKeyService keys, AuthFailureLimiter failures)
    {
        var presented = KeyOf(context.Request, dsn);
        if (string.IsNullOrEmpty(presented))
        {
            context.Response.Headers.WWWAuthenticate = "Sentry";
            return Problems.Status(StatusCodes.Status401Unauthorized, "Authentication required",
                "Send the DSN's key (a Vigil ingest API key) as 'X-Sentry-Auth: Sentry sentry_key=<key>', '?sentry_key=<key>' or in the envelope's dsn.");
        }

        var address = ClientAddress.Of(context);
        if (!failures.MayTry(address, out var retryAfter))
        {
            return RetryAfter.TooManyRequests(context.Response, retryAfter, "Too many failed authentications",
                $"This address sent too many unknown or revoked API keys; try again in {retryAfter} s.");
        }

        var key = await keys.VerifyAsync(presented, context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            failures.Failed(address);
            return Problems.Status(StatusCodes.Status401Unauthorized, "Authentication required", "The DSN's key is not a known, unrevoked Vigil API key.");
        }

        if (key.Role is not (Policies.Ingest or Policies.Admin))
        {
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "The DSN's key must be an ingest (or admin) API key.");
        }

        context.Features.Set(key);
        return null;
    }

    private static string? KeyOf(HttpRequest request, string? dsn)
    {
        if (request.Headers["X-Sentry-Auth"].ToString() is { Length: > 0 } header)
        {
            foreach (var part in header.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (part.StartsWith("sentry_key=", StringComparison.Ordinal))
                {
                    return part["sentry_key=".Length..];
                }
            }
        }

        if (request.Query["sentry_key"].ToString() is { Length: > 0 } query)
        {
            return query;
        }

        return dsn is not null && Uri.TryCreate(dsn, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? Uri.UnescapeDataString(uri.UserInfo.Split(':')[0])
            : ApiKeyAuthenticationHandler.Presented(request); // Vigil's own ways, for clients that are not Sentry SDKs
    }

    /// <summary>Sentry's answer: the event's id (32 hex digits), or null for an envelope without one.</summary>
    internal sealed record SentryAnswer(string? Id);
}
