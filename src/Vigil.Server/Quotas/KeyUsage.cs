namespace Vigil.Server.Quotas;

/// <summary>One API key's share of the series budget.</summary>
/// <param name="Id">The key's id.</param>
/// <param name="Name">The key's name.</param>
/// <param name="Role">The key's role.</param>
/// <param name="Series">Series in memory that the key's batches created.</param>
/// <param name="SeriesQuota">The key's series quota in force.</param>
/// <param name="PointsPerSecondQuota">The key's points-per-second quota in force.</param>
/// <param name="Revoked">Whether the key is revoked (its series still count until they go idle or are dropped).</param>
public sealed record KeyUsage(string Id, string Name, string Role, int Series, int SeriesQuota, int PointsPerSecondQuota, bool Revoked);
