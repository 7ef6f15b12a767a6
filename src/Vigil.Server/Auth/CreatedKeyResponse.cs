namespace Vigil.Server.Auth;

/// <summary>A created key: the secret is in this answer only.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name.</param>
/// <param name="Role">Role.</param>
/// <param name="Key">The secret.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="SeriesQuota">The key's own series quota, or null for the default (<c>Vigil:Quotas:SeriesPerKey</c>).</param>
/// <param name="PointsPerSecondQuota">The key's own points-per-second quota, or null for the default (<c>Vigil:Quotas:PointsPerSecondPerKey</c>).</param>
public sealed record CreatedKeyResponse(string Id, string Name, string Role, string Key, DateTimeOffset CreatedAt, long? SeriesQuota = null, long? PointsPerSecondQuota = null);
