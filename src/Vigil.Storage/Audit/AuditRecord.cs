namespace Vigil.Storage.Audit;

/// <summary>One change an admin made: who, what, when, and the resource before and after (secrets masked).</summary>
/// <param name="Id">The entry's id, increasing; 0 before it is stored.</param>
/// <param name="AtMs">When, in Unix milliseconds.</param>
/// <param name="ActorId">The id of the API key that made the change.</param>
/// <param name="ActorName">That key's name.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="Resource">The kind of resource: <c>rules</c>, <c>channels</c>, <c>silences</c>, <c>keys</c>, <c>relay-endpoints</c>, <c>alerts</c>.</param>
/// <param name="ResourceId">The resource's id.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="Before">The resource as the API showed it before the change (JSON), null when it did not exist.</param>
/// <param name="After">The resource as the API shows it after the change (JSON), null when it no longer exists.</param>
public sealed record AuditRecord(
    long Id, long AtMs, string ActorId, string ActorName, string Method, string Path, string Resource, string? ResourceId, int Status, string? Before, string? After);
