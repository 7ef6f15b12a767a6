namespace Vigil.Core.Metrics;

/// <summary>
/// How many series in memory one owner (an API key) may hold: the series its batches created
/// count against it until they are evicted as idle or dropped.
/// </summary>
/// <param name="Owner">The owner's id (an API key id).</param>
/// <param name="MaxSeries">The most series the owner may hold; at least 1.</param>
public sealed record SeriesQuota(string Owner, int MaxSeries);
