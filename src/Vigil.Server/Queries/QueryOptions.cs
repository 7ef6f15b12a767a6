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
    /// aggregates, <see cref="Vigil.Core.Queries.QueryCost.StoredRowCost"/> units per stored 1-minute rollup row it
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

    /// <summary>
    /// How many queries may wait for a slot; 0 refuses at once when every slot is busy. A freed
    /// slot goes to the waiting key with the fewest queries running, each key's oldest first.
    /// </summary>
    /// <value>4.</value>
    [Range(0, 10_000)]
    public int MaxQueued { get; set; } = 4;

    /// <summary>
    /// How many queries of one API key run at once, so one key cannot hold every slot while
    /// another key waits; unset means half of <see cref="MaxConcurrent"/> rounded up.
    /// </summary>
    /// <value>Unset: half the slots, at least 1.</value>
    [Range(1, 1024)]
    public int? MaxConcurrentPerKey { get; set; }

    /// <summary>
    /// How many queries of one API key may wait for a slot; past it, that key's next query gets
    /// 429 with <c>Retry-After</c> while other keys still queue. Unset means half of
    /// <see cref="MaxQueued"/> rounded up.
    /// </summary>
    /// <value>Unset: half the queue, at least 1 when there is a queue.</value>
    [Range(0, 10_000)]
    public int? MaxQueuedPerKey { get; set; }

    /// <summary>The per-key running limit in force: <see cref="MaxConcurrentPerKey"/>, or half the slots (at least 1), never more than the slots.</summary>
    internal int EffectiveMaxConcurrentPerKey => Math.Min(MaxConcurrent, MaxConcurrentPerKey ?? Math.Max(1, (MaxConcurrent + 1) / 2));

    /// <summary>The per-key queue share in force: <see cref="MaxQueuedPerKey"/>, or half the queue (at least 1 when there is one), never more than the queue.</summary>
    internal int EffectiveMaxQueuedPerKey => Math.Min(MaxQueued, MaxQueuedPerKey ?? (MaxQueued + 1) / 2);
}
