using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Audit;

namespace Vigil.Server.Audit;

/// <summary><c>GET /api/v1/audit</c>: the changes admins made, newest first (admin only).</summary>
internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/audit", ListAsync).RequireAuthorization(Policies.Admin).WithTags("Audit")
            .WithSummary("Changes made by admins, newest first. Query: from, to (ISO-8601 or Unix seconds), actor (key id or name), resource, limit (1-1000, default 100), before (an entry id: the next page).");
        return app;
    }

    private static async Task<Results<Ok<AuditEntryResponse[]>, ProblemHttpResult>> ListAsync(HttpRequest request, AuditRepository audit, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fromMs, toMs) = QueryParsing.ReadTimeRange(query, errors);
        long? before = null;

        var limit = 100;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            errors["limit"] = ["must be a whole number from 1 to 1000"];
        }

        if (query["before"].Count > 0)
        {
            if (long.TryParse(query["before"], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                before = id;
            }
            else
            {
                errors["before"] = ["must be the id of an entry (a whole number above 0)"];
            }
        }

        var resource = query["resource"].Count > 0 ? query["resource"].ToString() : null;
        if (resource is not null && !AuditResource.Names.Contains(resource, StringComparer.Ordinal))
        {
            errors["resource"] = [$"must be one of {string.Join(", ", AuditResource.Names)}"];
        }

        var actor = query["actor"].Count > 0 ? query["actor"].ToString() : null;
        if (actor is { Length: 0 or > 200 })
        {
            errors["actor"] = ["must be a key id or name of 1 to 200 characters"];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("The query is invalid.", errors);
        }

        var entries = await audit.ListAsync(new AuditQuery(fromMs, toMs, actor, resource, before, limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(entries.Select(e => new AuditEntryResponse(
            e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.AtMs), e.ActorId, e.ActorName, e.Method, e.Path, e.Resource, e.ResourceId, e.Status,
            Parse(e.Before), Parse(e.After))).ToArray());
    }

    private static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
