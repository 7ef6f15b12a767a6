using Vigil.Core.Metrics;
using Vigil.Storage.Keys;

namespace Vigil.Server.Quotas;

/// <summary>An API key as the holder of its ingest quotas.</summary>
internal static class ApiKeyQuotas
{
    /// <summary>The key's id and its own quotas.</summary>
    public static QuotaHolder AsQuotaHolder(this ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new QuotaHolder(key.Id, key.SeriesQuota, key.PointsPerSecondQuota);
    }
}
