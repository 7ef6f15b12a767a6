namespace Vigil.Server.Quotas;

/// <summary>The answer of <c>GET /api/v1/series/usage</c>.</summary>
/// <param name="Series">Series in memory, all owners together.</param>
/// <param name="MaxSeries">The server-wide bound (<c>Vigil:Metrics:MaxSeries</c>).</param>
/// <param name="Unowned">Series in memory owned by no key: Vigil's own, and those stored before owners were kept.</param>
/// <param name="Keys">Every active key, and revoked keys still holding series, most series first.</param>
public sealed record SeriesUsageResponse(int Series, int MaxSeries, int Unowned, IReadOnlyList<KeyUsage> Keys);
