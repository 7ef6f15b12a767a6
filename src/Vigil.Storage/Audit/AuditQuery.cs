namespace Vigil.Storage.Audit;

/// <summary>Which audit entries to read, newest first.</summary>
/// <param name="FromMs">At or after, in Unix milliseconds.</param>
/// <param name="ToMs">Before, in Unix milliseconds.</param>
/// <param name="Actor">The key id or name that made the change.</param>
/// <param name="Resource">The kind of resource.</param>
/// <param name="BeforeId">Only entries older than this entry (the cursor of the next page).</param>
/// <param name="Limit">How many at most.</param>
public sealed record AuditQuery(long? FromMs = null, long? ToMs = null, string? Actor = null, string? Resource = null, long? BeforeId = null, int Limit = 100);
