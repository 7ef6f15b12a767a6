namespace Vigil.Storage.Caching;

/// <summary>How long an entry lives when no write invalidates it (<see cref="CacheOptions"/>).</summary>
public enum CacheTier
{
    /// <summary>60 seconds by default: what changes by hand and must apply at once (rules, channels).</summary>
    Short,

    /// <summary>300 seconds by default.</summary>
    Medium,

    /// <summary>600 seconds by default: what is recomputed rarely (baselines).</summary>
    Long,
}
