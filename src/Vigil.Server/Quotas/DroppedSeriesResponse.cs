namespace Vigil.Server.Quotas;

/// <summary>The answer of <c>DELETE /api/v1/series</c>.</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Dropped">Series removed from memory (their quota is free at once).</param>
/// <param name="Deleted">Series deleted from the database, with all their rollups.</param>
public sealed record DroppedSeriesResponse(string Metric, int Dropped, int Deleted);
