namespace Vigil.Storage.Caching;

/// <summary>The cache layer's counts since start-up.</summary>
/// <param name="Hits">Reads answered from the cache.</param>
/// <param name="Misses">Reads that went to the source (the database), the cache off or untrusted included.</param>
/// <param name="HitRatePercent">Hits over all reads, percent; null before the first read.</param>
/// <param name="Entries">Entries held in this process now.</param>
/// <param name="Invalidation">How invalidations reach the other nodes: <c>local</c> (SQLite: one node), <c>postgres</c> (LISTEN/NOTIFY) or <c>redis</c> (pub/sub).</param>
/// <param name="Trusted">False while invalidations cannot be heard (Redis or the listening connection lost): reads then go to the database.</param>
public sealed record CacheStatistics(long Hits, long Misses, double? HitRatePercent, int Entries, string Invalidation, bool Trusted);
