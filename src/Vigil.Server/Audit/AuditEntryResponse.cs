using System.Text.Json;

namespace Vigil.Server.Audit;

/// <summary>One entry of <c>GET /api/v1/audit</c>.</summary>
/// <param name="Id">The entry's id; pass the last one as <c>before</c> for the next page.</param>
/// <param name="At">When.</param>
/// <param name="ActorId">The id of the API key that made the change.</param>
/// <param name="ActorName">That key's name.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="Resource">rules, channels, silences, keys, relay-endpoints, alerts or deliveries.</param>
/// <param name="ResourceId">The resource's id.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="Before">The resource as the API showed it before (secrets masked); null when it did not exist.</param>
/// <param name="After">The resource as the API shows it after (secrets masked); null when it no longer exists.</param>
public sealed record AuditEntryResponse(
    long Id, DateTimeOffset At, string ActorId, string ActorName, string Method, string Path, string Resource, string? ResourceId, int Status, JsonElement? Before, JsonElement? After);
