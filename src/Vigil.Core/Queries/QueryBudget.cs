using System.Globalization;

namespace Vigil.Core.Queries;

/// <summary>
/// The most work one query may do, in <see cref="QueryCost"/> units: a query is checked against
/// it before the work is done, and a count of stored rows stops at what the budget still allows.
/// </summary>
public sealed class QueryBudget
{
    /// <summary>A budget of <paramref name="maxCost"/> units, named by <paramref name="setting"/> in refusals.</summary>
    /// <param name="maxCost">The most cost units one query may use; at least 1.</param>
    /// <param name="setting">The setting that sets it (e.g. <c>Vigil:Queries:MaxCost</c>), named when a query is refused.</param>
    public QueryBudget(long maxCost, string setting)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCost, 1);
        ArgumentException.ThrowIfNullOrEmpty(setting);
        MaxCost = maxCost;
        Setting = setting;
    }

    /// <summary>The most cost units one query may use.</summary>
    public long MaxCost { get; }

    /// <summary>The setting that bounds a query's cost.</summary>
    public string Setting { get; }

    /// <summary>
    /// How many stored rows a query that has already spent <paramref name="spent"/> may still
    /// read, plus one: a count of the rows to read stops there, so counting is bounded too.
    /// </summary>
    public long RowsToCount(QueryCost spent) => Math.Max(0, MaxCost - spent.Units) / QueryCost.StoredRowCost + 1;

    /// <summary>Whether <paramref name="cost"/> is over the budget.</summary>
    public bool Exceeds(QueryCost cost) => cost.Units > MaxCost;

    /// <summary>Says why <paramref name="cost"/> is over the budget and how to ask for less.</summary>
    /// <param name="cost">The estimated cost.</param>
    /// <param name="advice">How to ask for less (e.g. "use a larger step").</param>
    public string Explain(QueryCost cost, IEnumerable<string> advice)
    {
        ArgumentNullException.ThrowIfNull(advice);
        return string.Format(
            CultureInfo.InvariantCulture,
            "The query would aggregate {0:N0} series over {1:N0} steps each and read {2:N0} stored rows: about {3:N0} cost units, over {4} ({5:N0}). Ask for less: {6}.",
            cost.Series, cost.Steps, cost.StoredRows, cost.Units, Setting, MaxCost, string.Join("; ", advice));
    }
}
