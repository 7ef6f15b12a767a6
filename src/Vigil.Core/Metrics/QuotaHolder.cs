namespace Vigil.Core.Metrics;

/// <summary>Who ingest quotas apply to (an API key) and the quotas it was given of its own.</summary>
/// <param name="Id">The holder's id: series it creates are owned by it (<see cref="SeriesQuota.Owner"/>).</param>
/// <param name="SeriesQuota">Its own series quota, or null for the default.</param>
/// <param name="PointsPerSecondQuota">Its own points-per-second quota, or null for the default.</param>
public readonly record struct QuotaHolder(string Id, long? SeriesQuota, long? PointsPerSecondQuota);
