namespace Vigil.Storage.Keys;

/// <summary>A stored API key (never the key itself: only its SHA-256 hash and a short prefix).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name given by the admin who created it.</param>
/// <param name="Role"><c>ingest</c>, <c>viewer</c> or <c>admin</c>.</param>
/// <param name="KeyHash">Lower-case hex SHA-256 of the key.</param>
/// <param name="KeyPrefix">The first characters of the key, to recognise it in a list.</param>
/// <param name="CreatedAtMs">Creation time, Unix ms.</param>
/// <param name="RevokedAtMs">Revocation time, Unix ms, or null while active.</param>
/// <param name="SeriesQuota">The most series the key's batches may hold in memory, or null for the configured default.</param>
/// <param name="PointsPerSecondQuota">The points per second the key may send, or null for the configured default.</param>
public sealed record ApiKeyRecord(string Id, string Name, string Role, string KeyHash, string KeyPrefix, long CreatedAtMs, long? RevokedAtMs, long? SeriesQuota = null, long? PointsPerSecondQuota = null);
