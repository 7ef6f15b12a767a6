namespace Vigil.Server.Auth;

/// <summary>An API key as listed (never the secret).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name.</param>
/// <param name="Role">Role.</param>
/// <param name="Prefix">First characters of the key.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="RevokedAt">Revocation time, or null.</param>
/// <param name="SeriesQuota">The key's own series quota, or null for the default (<c>Vigil:Quotas:SeriesPerKey</c>).</param>
/// <param name="PointsPerSecondQuota">The key's own points-per-second quota, or null for the default (<c>Vigil:Quotas:PointsPerSecondPerKey</c>).</param>
public sealed record KeyResponse(string Id, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, long? SeriesQuota = null, long? PointsPerSecondQuota = null);
