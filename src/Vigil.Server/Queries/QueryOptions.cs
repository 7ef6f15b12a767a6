using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Queries;

/// <summary>
/// Limits on the read paths a viewer key can make expensive — <c>/api/v1/series</c>, rule tests
/// and backtests, <c>/api/v1/metrics</c> and <c>/metrics</c> (configuration section
/// <c>Vigil:Queries</c>) — so one query, or a few at once, cannot take the CPU that ingest and
/// alert evaluation need. Alert evaluation never goes through these limits.
/// </summary>
public sealed class QueryOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Queries";

    /// <summary>
    /// The most work one query may do, in cost units: one unit per series per step (window) it
    /// aggregates, <see cref="QueryCost.StoredRowCost"/> units per stored 1-minute rollup row it
    /// reads. A query estimated above it is refused with a 422 problem before any of the work is
    /// done. The default lets a query aggregate e.g. 1 000 series over a day in 1-minute steps
    /// from memory and history, or 10 000 series over an hour in 10 s steps.
    /// </summary>
    /// <value>20 000 000.</value>
    [Range(1L, 1_000_000_000_000L)]
    public long MaxCost { get; set; } = 20_000_000;

    /// <summary>
    /// How long one query may take, waiting for a slot included; past it the work stops and the
    /// answer is a 503 problem. A client that disconnects stops its query too.
    /// </summary>
    /// <value>15 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many queries run at once; more wait in a queue of <see cref="MaxQueued"/>, and past
    /// that are answered 429 with <c>Retry-After</c>. Below the core count, so a core is left
    /// for ingest and alert evaluation.
    /// </summary>
    /// <value>The number of cores minus one, at least 1.</value>
    [Range(1, 1024)]
    public int MaxConcurrent { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>How many queries may wait for a slot (oldest first); 0 refuses at once when every slot is busy.</summary>
    /// <value>4.</value>
    [Range(0, 10_000)]
    public int MaxQueued { get; set; } = 4;
}
