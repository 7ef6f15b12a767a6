using System.ComponentModel.DataAnnotations;

namespace Vigil.Otlp.Traces;

/// <summary>The trace receiver's and trace store's settings (configuration section <c>Vigil:Traces</c>).</summary>
public sealed class TraceOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Traces";

    /// <summary>
    /// The share of traces whose spans are all kept (head-based sampling, decided from the trace
    /// id, so every span of a trace, from any service, gets the same answer). Traces with an error
    /// span and the slowest transactions are kept whatever this says. Every span becomes series
    /// whatever this says.
    /// </summary>
    /// <value>10 (%).</value>
    [Range(0.0, 100.0)]
    public double SamplePercent { get; set; } = 10;

    /// <summary>
    /// The space the kept spans may take (their ids, names, attributes and events as stored);
    /// past it the oldest traces are dropped until the store is at 90 % of it.
    /// </summary>
    /// <value>256 (MB).</value>
    [Range(1, 1_048_576)]
    public int BudgetMb { get; set; } = 256;

    /// <summary>Whether a trace with an error span (or a transaction answered 5xx) is kept whatever <see cref="SamplePercent"/> says.</summary>
    /// <value>true.</value>
    public bool KeepErrors { get; set; } = true;

    /// <summary>
    /// Whether a transaction above the recent 95th percentile of its route (once the route
    /// has <see cref="SlowAfterTransactions"/> transactions) keeps its trace whatever
    /// <see cref="SamplePercent"/> says.
    /// </summary>
    /// <value>true.</value>
    public bool KeepSlowest { get; set; } = true;

    /// <summary>How many recent transactions of a route its 95th percentile needs before <see cref="KeepSlowest"/> applies.</summary>
    /// <value>20.</value>
    [Range(1, 10_000)]
    public int SlowAfterTransactions { get; set; } = 20;

    /// <summary>The longest span taken; longer ones (a clock gone wrong) are refused.</summary>
    /// <value>1 day.</value>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxSpanDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The longest attribute value kept (in characters); longer values are clipped.</summary>
    /// <value>4 096.</value>
    [Range(64, 65_536)]
    public int MaxAttributeLength { get; set; } = 4_096;

    /// <summary>The budget in bytes.</summary>
    internal long BudgetBytes => BudgetMb * 1024L * 1024L;
}
