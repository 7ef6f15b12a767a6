namespace Vigil.Core.Queries;

/// <summary>
/// The work a query would do, estimated before it is done: <see cref="Series"/> series, each
/// aggregated over <see cref="Steps"/> steps, and <see cref="StoredRows"/> rollup rows read
/// from the database.
/// </summary>
/// <param name="Series">The series the query aggregates.</param>
/// <param name="Steps">The aggregation steps per series (windows; for a backtest, steps × the rollups in the rule's window).</param>
/// <param name="StoredRows">The 1-minute rollup rows read from the database.</param>
public readonly record struct QueryCost(long Series, long Steps, long StoredRows)
{
    /// <summary>
    /// Cost units of one stored row: reading, decoding and merging a rollup (with its sketch)
    /// costs about as much as ten in-memory window aggregations.
    /// </summary>
    public const long StoredRowCost = 10;

    /// <summary>The cost in units: series × steps + stored rows × <see cref="StoredRowCost"/>, saturating at <see cref="long.MaxValue"/>.</summary>
    public long Units
    {
        get
        {
            var aggregation = Series == 0 || Steps == 0 ? 0 : Series > long.MaxValue / Steps ? long.MaxValue : Series * Steps;
            var reading = StoredRows > long.MaxValue / StoredRowCost ? long.MaxValue : StoredRows * StoredRowCost;
            return aggregation > long.MaxValue - reading ? long.MaxValue : aggregation + reading;
        }
    }
}
