using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Server.Audit;
using Vigil.Server.Http;
using Vigil.Storage.Keys;

namespace Vigil.Server.Auth;

/// <summary><c>/api/v1/keys</c>: create, list and revoke API keys (admin).</summary>
internal static class KeyEndpoints
{
    public static IEndpointRouteBuilder MapKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/v1/keys").RequireAuthorization(Policies.Admin).WithTags("API keys").Audited(AuditResource.Keys);
        keys.MapPost("", CreateAsync).WithSummary("Creates an API key; the key is shown in this answer only.");
        keys.MapGet("", ListAsync).WithSummary("Lists API keys (without their secrets).");
        keys.MapDelete("/{id}", RevokeAsync).WithSummary("Revokes an API key.");
        return app;
    }

    private static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ApiKeyService keys, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<CreateKeyRequest>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var body = read.Value;

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            errors["name"] = ["is required"];
        }
        else if (body.Name.Length > 200)
        {
            errors["name"] = ["is longer than 200 characters"];
        }

        if (!Policies.Roles.Contains(body.Role))
        {
            errors["role"] = [body.Role is null ? "is required" : $"'{body.Role}' is not one of ingest, viewer, admin"];
        }

        var seriesQuota = Quota(body.SeriesQuota, "seriesQuota", errors);
        var pointsPerSecondQuota = Quota(body.PointsPerSecondQuota, "pointsPerSecondQuota", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation("The key was not created.", errors);
        }

        var (record, key) = await keys.CreateAsync(body.Name!, body.Role!, cancellationToken, seriesQuota, pointsPerSecondQuota).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/keys/{record.Id}",
            new CreatedKeyResponse(record.Id, record.Name, record.Role, key, DateTimeOffset.FromUnixTimeMilliseconds(record.CreatedAtMs), record.SeriesQuota, record.PointsPerSecondQuota));
    }

    /// <summary>An optional quota field: absent, or a whole number from 1 to <see cref="Quotas.QuotaOptions.MaxQuota"/>.</summary>
    private static long? Quota(double? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is not { } quota)
        {
            return null;
        }

        if (quota < 1 || quota > Quotas.QuotaOptions.MaxQuota || quota != Math.Floor(quota))
        {
            errors[field] = [string.Create(System.Globalization.CultureInfo.InvariantCulture, $"must be a whole number from 1 to {Quotas.QuotaOptions.MaxQuota}")];
            return null;
        }

        return (long)quota;
    }

    internal static async Task<Ok<KeyResponse[]>> ListAsync(ApiKeyRepository repository, CancellationToken cancellationToken)
    {
        var keys = await repository.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(keys.Select(k => new KeyResponse(
            k.Id, k.Name, k.Role, k.KeyPrefix, DateTimeOffset.FromUnixTimeMilliseconds(k.CreatedAtMs),
            k.RevokedAtMs is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null, k.SeriesQuota, k.PointsPerSecondQuota)).ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, ApiKeyService keys, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(id, cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No active API key has id '{id}'.");
}
