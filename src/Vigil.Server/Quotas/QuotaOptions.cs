using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Quotas;

/// <summary>
/// What one API key may take of the server (configuration section <c>Vigil:Quotas</c>): the
/// defaults for every key; a key can be given its own at creation (<c>seriesQuota</c>,
/// <c>pointsPerSecondQuota</c> of <c>POST /api/v1/keys</c>).
/// </summary>
public sealed class QuotaOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Quotas";

    /// <summary>The largest quota a setting or a key may name (series or points per second).</summary>
    public const int MaxQuota = Vigil.Core.Metrics.IngestQuotas.MaxQuota;

    /// <summary>
    /// The most series the batches of one key may hold in memory (the series it created, until
    /// they are evicted as idle or dropped). A quarter of the default server-wide
    /// <c>Vigil:Metrics:MaxSeries</c>, so one key cannot take the whole budget.
    /// </summary>
    /// <value>25 000.</value>
    [Range(1, MaxQuota)]
    public int SeriesPerKey { get; set; } = 25_000;

    /// <summary>
    /// The points per second one key may send, as a token bucket holding one second's worth: a
    /// batch is admitted when the bucket holds as many points as the batch has (or is full, for
    /// a batch larger than the bucket), and beyond that the key gets 429 with <c>Retry-After</c>.
    /// About a tenth of what one 2-core server ingests (docs/BENCHMARKS.md).
    /// </summary>
    /// <value>100 000.</value>
    [Range(1, MaxQuota)]
    public int PointsPerSecondPerKey { get; set; } = 100_000;
}
