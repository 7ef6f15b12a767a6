using Dapper;
using Npgsql;
using Vigil.Core;
using Vigil.Storage.Metrics;

namespace Vigil.Storage.Performance;

/// <summary>
/// Performance tracking's tables: the operations (endpoints and jobs found in the timings), their
/// executions summed by the hour (count, failures, sum, extremes and the merged sketch, so any
/// quantile of any set of hours is exact to the sketch's 1 %), their baselines, and how far the
/// hourly sums go.
/// </summary>
public sealed class OperationRepository
{
    private const string OperationColumns =
        "id, kind, metric, service, name, labels, first_seen_ms, last_seen_ms, summary";

    private const long HourMs = 3_600_000;

    private const string HourColumns =
        "operation_id, hour_ms, count, errors, sum, min, max, bins";

    private const string SpanColumns =
        "hours, start_ms, operation_id, count, errors, sum, min, max, bins";

    private const string BaselineColumns =
        "operation_id, slot, executions, failures, avg_ms, p50_ms, p95_ms, p99_ms, " +
        "minutes, from_ms, to_ms, computed_at";

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public OperationRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>The end (Unix ms) of the last hour summed, or null before the first run.</summary>
    public async Task<long?> SummedToAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT summed_to_ms FROM performance_progress WHERE id = 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The end (Unix ms) of the hours the last analysis ran over, or null before the first.</summary>
    public async Task<long?> AnalysedToAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT analysed_to_ms FROM performance_progress WHERE id = 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records that an analysis ran over the hours up to <paramref name="analysedToMs"/>, sets the
    /// operations' <paramref name="summaries"/> (JSON; all of a run at once: an update touches the page of
    /// each operation, and operations of one chunk lie on pages all over the table) and deletes the
    /// spans starting before <paramref name="spansFromMs"/>, in one transaction.
    /// </summary>
    public async Task FinishAnalysisAsync(long analysedToMs, IReadOnlyDictionary<string, string?> summaries, long spansFromMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(work.Connection is NpgsqlConnection
            ? new CommandDefinition(
                "UPDATE operations AS o SET summary = u.summary FROM unnest(@ids, @summaries) AS u(id, summary) WHERE o.id = u.id",
                new { ids = summaries.Keys.ToArray(), summaries = summaries.Values.ToArray() }, work.Transaction, cancellationToken: cancellationToken)
            : new CommandDefinition(
                "UPDATE operations SET summary = @summary WHERE id = @id", summaries.Select(s => new { id = s.Key, summary = s.Value }), work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE performance_progress SET analysed_to_ms = @analysedToMs WHERE id = 1", new { analysedToMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM operation_spans WHERE hours IN (6, 24) AND start_ms < @spansFromMs", new { spansFromMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ids of the operations with executions after <paramref name="fromMs"/> and the start of their first hour, ordered by id as the database orders them.</summary>
    public async Task<IReadOnlyList<(string Id, long FirstSeenMs)>> ActiveSinceAsync(long fromMs, CancellationToken cancellationToken = default)
    {
        return await ReadAsync(
            "SELECT id, first_seen_ms FROM operations WHERE last_seen_ms > @fromMs ORDER BY id", new { fromMs }, r => (r.String(0), r.Int64(1)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The hourly sums of the hours starting at <paramref name="hourStarts"/> of the operations with ids
    /// from <paramref name="firstId"/> to <paramref name="lastId"/> (in the database's order, as <see cref="ActiveSinceAsync"/> lists them): one range of the primary
    /// key (hour, operation) per hour.
    /// </summary>
    public async Task<IReadOnlyList<StoredOperationHour>> HoursAtAsync(string firstId, string lastId, IReadOnlyCollection<long> hourStarts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hourStarts);
        if (hourStarts.Count == 0)
        {
            return [];
        }

        return await ReadAsync(
            $"SELECT {HourColumns} FROM operation_hours WHERE hour_ms IN ({Numbers(hourStarts)}) AND operation_id >= @firstId AND operation_id <= @lastId",
            new { firstId, lastId },
            HourOf,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The stored spans of <paramref name="hours"/> hours starting at <paramref name="starts"/> of the
    /// operations with ids from <paramref name="firstId"/> to <paramref name="lastId"/> (in the database's
    /// order): one range of the primary key (hours, start, operation) per start.
    /// </summary>
    public async Task<IReadOnlyList<StoredOperationSpan>> SpansAtAsync(int hours, string firstId, string lastId, IReadOnlyCollection<long> starts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(starts);
        if (starts.Count == 0)
        {
            return [];
        }

        return await ReadAsync(
            $"SELECT {SpanColumns} FROM operation_spans WHERE hours = @hours AND start_ms IN ({Numbers(starts)}) AND operation_id >= @firstId AND operation_id <= @lastId",
            new { hours, firstId, lastId },
            r => new StoredOperationSpan(r.SharedString(2), (int)r.Int64(0), r.Int64(1), r.Int64(3), r.Int64(4), r.Double(5), r.Double(6), r.Double(7), r.Bins(8)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores one hour's sums (replacing what an earlier run stored for the same operation and hour, and
    /// dropping the stored 6-hour block and day that hold the hour, computed from its old sums), adds the
    /// operations not known yet and moves their last-seen time, and records that the sums go up to
    /// <paramref name="summedToMs"/>; all in one transaction.
    /// </summary>
    public async Task SaveHourAsync(IReadOnlyList<StoredOperation> operations, IReadOnlyList<StoredOperationHour> hours, long summedToMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(hours);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(Rows(
            work,
            """
            INSERT INTO operations (id, kind, metric, service, name, labels, first_seen_ms, last_seen_ms)
            {rows}
            ON CONFLICT (id) DO UPDATE SET
                first_seen_ms = CASE WHEN excluded.first_seen_ms < operations.first_seen_ms THEN excluded.first_seen_ms ELSE operations.first_seen_ms END,
                last_seen_ms = CASE WHEN excluded.last_seen_ms > operations.last_seen_ms THEN excluded.last_seen_ms ELSE operations.last_seen_ms END
            """,
            "@Id, @Kind, @Metric, @Service, @Name, @Labels, @FirstSeenMs, @LastSeenMs",
            operations,
            () => new
            {
                Id = operations.Select(o => o.Id).ToArray(), Kind = operations.Select(o => o.Kind).ToArray(), Metric = operations.Select(o => o.Metric).ToArray(),
                Service = operations.Select(o => o.Service).ToArray(), Name = operations.Select(o => o.Name).ToArray(), Labels = operations.Select(o => o.Labels).ToArray(),
                FirstSeenMs = operations.Select(o => o.FirstSeenMs).ToArray(), LastSeenMs = operations.Select(o => o.LastSeenMs).ToArray(),
            },
            cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(Rows(
            work,
            """
            INSERT INTO operation_hours (operation_id, hour_ms, count, errors, sum, min, max, bins)
            {rows}
            ON CONFLICT (operation_id, hour_ms) DO UPDATE SET
                count = excluded.count, errors = excluded.errors, sum = excluded.sum, min = excluded.min, max = excluded.max, bins = excluded.bins
            """,
            "@OperationId, @HourMs, @Count, @Errors, @Sum, @Min, @Max, @Bins",
            hours.Select(h => new { h.OperationId, h.HourMs, h.Count, h.Errors, h.Sum, h.Min, h.Max, Bins = RollupRepository.ToBytes(h.Bins) }),
            () => new
            {
                OperationId = hours.Select(h => h.OperationId).ToArray(), HourMs = hours.Select(h => h.HourMs).ToArray(), Count = hours.Select(h => h.Count).ToArray(),
                Errors = hours.Select(h => h.Errors).ToArray(), Sum = hours.Select(h => h.Sum).ToArray(), Min = hours.Select(h => h.Min).ToArray(),
                Max = hours.Select(h => h.Max).ToArray(), Bins = hours.Select(h => RollupRepository.ToBytes(h.Bins)).ToArray(),
            },
            cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM operation_spans WHERE (hours = 6 AND start_ms = @BlockMs) OR (hours = 24 AND start_ms = @DayMs)",
            hours.Select(h => h.HourMs).Distinct().Select(hourMs => new { BlockMs = FloorDivision.Of(hourMs, 6 * HourMs) * 6 * HourMs, DayMs = FloorDivision.Of(hourMs, 24 * HourMs) * 24 * HourMs }),
            work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO performance_progress (id, summed_to_ms) VALUES (1, @summedToMs)
            ON CONFLICT (id) DO UPDATE SET summed_to_ms = excluded.summed_to_ms
            """, new { summedToMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every operation, by kind and name.</summary>
    public async Task<IReadOnlyList<StoredOperation>> ListAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync($"SELECT {OperationColumns} FROM operations ORDER BY kind, name, id", new { }, OperationOf, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The operation with this id, or null.</summary>
    public async Task<StoredOperation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var rows = await ReadAsync($"SELECT {OperationColumns} FROM operations WHERE id = @id", new { id }, OperationOf, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// The hourly sums in [<paramref name="fromMs"/>, <paramref name="toMs"/>), of one operation or
    /// (<paramref name="operationId"/> null) of all, ordered by operation and hour.
    /// </summary>
    public async Task<IReadOnlyList<StoredOperationHour>> HoursAsync(long fromMs, long toMs, string? operationId = null, CancellationToken cancellationToken = default)
    {
        var where = operationId is null
            ? "hour_ms >= @fromMs AND hour_ms < @toMs"
            : $"hour_ms IN ({Numbers(HourStarts(fromMs, toMs))}) AND operation_id = @operationId"; // one probe of the key (hour, operation) per hour
        return await ReadAsync(
            $"SELECT {HourColumns} FROM operation_hours WHERE {where} ORDER BY operation_id, hour_ms", new { fromMs, toMs, operationId }, HourOf, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores an analysis of the operations with ids from <paramref name="firstId"/> to
    /// <paramref name="lastId"/> seen after <paramref name="activeFromMs"/> (as
    /// <see cref="ActiveSinceAsync"/> lists them), in one transaction: replaces their all-hours baseline
    /// and their hour-of-week baselines of <paramref name="slots"/> (null: every slot) with those in
    /// <paramref name="baselines"/> (computed at <paramref name="computedAtMs"/>), and stores spans.
    /// </summary>
    public async Task SaveAnalysisAsync(string firstId, string lastId, long activeFromMs, long computedAtMs, IReadOnlyList<StoredBaseline> baselines,
        IReadOnlyCollection<int>? slots, IReadOnlyList<StoredOperationSpan> spans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baselines);
        ArgumentNullException.ThrowIfNull(spans);
        var which = slots is null ? "" : $" AND slot IN (-1{string.Concat(slots.Select(slot => "," + slot.ToString(System.Globalization.CultureInfo.InvariantCulture)))})";
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(Rows(
            work,
            """
            INSERT INTO operation_baselines (operation_id, slot, executions, failures, avg_ms, p50_ms, p95_ms, p99_ms, minutes, from_ms, to_ms, computed_at)
            {rows}
            ON CONFLICT (operation_id, slot) DO UPDATE SET
                executions = excluded.executions, failures = excluded.failures, avg_ms = excluded.avg_ms, p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms,
                p99_ms = excluded.p99_ms, minutes = excluded.minutes, from_ms = excluded.from_ms, to_ms = excluded.to_ms, computed_at = excluded.computed_at
            """,
            "@OperationId, @Slot, @Executions, @Failures, @AvgMs, @P50Ms, @P95Ms, @P99Ms, @Minutes, @FromMs, @ToMs, @ComputedAtMs",
            baselines,
            () => new
            {
                OperationId = baselines.Select(b => b.OperationId).ToArray(), Slot = baselines.Select(b => b.Slot).ToArray(),
                Executions = baselines.Select(b => b.Executions).ToArray(), Failures = baselines.Select(b => b.Failures).ToArray(),
                AvgMs = baselines.Select(b => b.AvgMs).ToArray(), P50Ms = baselines.Select(b => b.P50Ms).ToArray(), P95Ms = baselines.Select(b => b.P95Ms).ToArray(),
                P99Ms = baselines.Select(b => b.P99Ms).ToArray(), Minutes = baselines.Select(b => b.Minutes).ToArray(), FromMs = baselines.Select(b => b.FromMs).ToArray(),
                ToMs = baselines.Select(b => b.ToMs).ToArray(), ComputedAtMs = baselines.Select(b => b.ComputedAtMs).ToArray(),
            },
            cancellationToken)).ConfigureAwait(false);

        // The baselines of those slots that this analysis did not compute again (too few executions now) go.
        await work.Connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM operation_baselines WHERE operation_id IN (SELECT id FROM operations WHERE id >= @firstId AND id <= @lastId AND last_seen_ms > @activeFromMs){which} AND computed_at < @computedAtMs",
            new { firstId, lastId, activeFromMs, computedAtMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(Rows(
            work,
            """
            INSERT INTO operation_spans (hours, start_ms, operation_id, count, errors, sum, min, max, bins)
            {rows}
            ON CONFLICT (hours, start_ms, operation_id) DO UPDATE SET
                count = excluded.count, errors = excluded.errors, sum = excluded.sum, min = excluded.min, max = excluded.max, bins = excluded.bins
            """,
            "@Hours, @StartMs, @OperationId, @Count, @Errors, @Sum, @Min, @Max, @Bins",
            spans.Select(d => new { d.Hours, d.StartMs, d.OperationId, d.Count, d.Errors, d.Sum, d.Min, d.Max, Bins = RollupRepository.ToBytes(d.Bins) }),
            () => new
            {
                Hours = spans.Select(d => d.Hours).ToArray(), StartMs = spans.Select(d => d.StartMs).ToArray(), OperationId = spans.Select(d => d.OperationId).ToArray(),
                Count = spans.Select(d => d.Count).ToArray(), Errors = spans.Select(d => d.Errors).ToArray(), Sum = spans.Select(d => d.Sum).ToArray(),
                Min = spans.Select(d => d.Min).ToArray(), Max = spans.Select(d => d.Max).ToArray(), Bins = spans.Select(d => RollupRepository.ToBytes(d.Bins)).ToArray(),
            },
            cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The baselines of one operation or (<paramref name="operationId"/> null) of all; with <paramref name="slot"/>, that slot only.</summary>
    public async Task<IReadOnlyList<StoredBaseline>> BaselinesAsync(string? operationId = null, int? slot = null, CancellationToken cancellationToken = default)
    {
        var where = (operationId, slot) switch
        {
            (null, null) => "",
            (null, _) => " WHERE slot = @slot",
            (_, null) => " WHERE operation_id = @operationId",
            _ => " WHERE operation_id = @operationId AND slot = @slot",
        };
        return await ReadAsync(
            $"SELECT {BaselineColumns} FROM operation_baselines{where} ORDER BY operation_id, slot", new { operationId, slot }, BaselineOf, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the hourly sums older than <paramref name="beforeMs"/>; returns how many.</summary>
    public async Task<int> DeleteHoursBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM operation_hours WHERE hour_ms < @beforeMs", new { beforeMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <summary>Reads rows with <paramref name="map"/>, the one way this repository reads (the analysis reads hundreds of thousands a run: no mapping by reflection).</summary>
    private async Task<IReadOnlyList<T>> ReadAsync<T>(string sql, object parameters, Func<Row, T> map, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Row.ReadAsync(connection, sql, parameters, map, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The starts of the hours that begin in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    private static IEnumerable<long> HourStarts(long fromMs, long toMs)
    {
        for (var hourMs = FloorDivision.Of(fromMs + HourMs - 1, HourMs) * HourMs; hourMs < toMs; hourMs += HourMs)
        {
            yield return hourMs;
        }
    }

    /// <summary>
    /// A statement that writes a list of rows, where <paramref name="sql"/> has <c>{rows}</c> for the
    /// rows' source: on SQLite (in process, statements are cheap) the statement once per row of
    /// <paramref name="perRow"/>; on PostgreSQL one statement over column arrays (<c>unnest</c> of
    /// <paramref name="columnArrays"/>' properties, named as <paramref name="columns"/>), not a round
    /// trip per row.
    /// </summary>
    private static CommandDefinition Rows(UnitOfWork work, string sql, string columns, object perRow, Func<object> columnArrays, CancellationToken cancellationToken) =>
        work.Connection is NpgsqlConnection
            ? new CommandDefinition(sql.Replace("{rows}", $"SELECT * FROM unnest({columns})", StringComparison.Ordinal), columnArrays(), work.Transaction, cancellationToken: cancellationToken)
            : new CommandDefinition(sql.Replace("{rows}", $"VALUES ({columns})", StringComparison.Ordinal), perRow, work.Transaction, cancellationToken: cancellationToken);

    /// <summary>Whole numbers as an SQL list (literals: a run asks for up to a few hundred starts, the same on both databases).</summary>
    private static string Numbers(IEnumerable<long> values) => string.Join(',', values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    // The row mappers, by column position in OperationColumns, HourColumns and BaselineColumns.
    private static StoredOperation OperationOf(Row r) =>
        new(r.String(0), r.String(1), r.String(2), r.IsNull(3) ? null : r.String(3), r.String(4), r.String(5), r.Int64(6), r.Int64(7), r.IsNull(8) ? null : r.String(8));

    private static StoredOperationHour HourOf(Row r) =>
        new(r.SharedString(0), r.Int64(1), r.Int64(2), r.Int64(3), r.Double(4), r.Double(5), r.Double(6), r.Bins(7));

    private static StoredBaseline BaselineOf(Row r) =>
        new(r.String(0), (int)r.Int64(1), r.Int64(2), r.Int64(3), r.Double(4), NullableDouble(r, 5), NullableDouble(r, 6), NullableDouble(r, 7), r.Int64(8), r.Int64(9), r.Int64(10), r.Int64(11));

    private static double? NullableDouble(Row r, int column) => r.IsNull(column) ? null : r.Double(column);
}

/// <summary>An operation as stored.</summary>
/// <param name="Id">Its id (a hash of its kind, service and identifying labels).</param>
/// <param name="Kind">What it is (<c>route</c>, <c>job</c>, or a configured kind).</param>
/// <param name="Metric">The timing metric it was found in.</param>
/// <param name="Service">The <c>service</c> label of its points, or null.</param>
/// <param name="Name">Its display name (<c>GET /api/orders</c>, a job id).</param>
/// <param name="Labels">Its identifying labels, as a JSON object.</param>
/// <param name="FirstSeenMs">The start of the first hour with executions (Unix ms).</param>
/// <param name="LastSeenMs">The end of the last hour with executions (Unix ms).</param>
/// <param name="Summary">The last analysis' summary (JSON), or null before the first.</param>
public sealed record StoredOperation(string Id, string Kind, string Metric, string? Service, string Name, string Labels, long FirstSeenMs, long LastSeenMs, string? Summary = null);

/// <summary>One operation's executions over one hour.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="HourMs">The start of the hour (Unix ms).</param>
/// <param name="Count">Executions.</param>
/// <param name="Errors">Of them, failures (a 5xx or error status).</param>
/// <param name="Sum">Sum of durations, ms.</param>
/// <param name="Min">Shortest duration, ms.</param>
/// <param name="Max">Longest duration, ms.</param>
/// <param name="Bins">The durations' merged sketch (packed bins), or null.</param>
public sealed record StoredOperationHour(string OperationId, long HourMs, long Count, long Errors, double Sum, double Min, double Max, uint[]? Bins);

/// <summary>One operation's executions over a 6-hour block or a day (UTC): the merge of its hourly sums (a day: of its blocks), in time order.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="Hours">6 or 24.</param>
/// <param name="StartMs">The start (Unix ms, a multiple of the span).</param>
/// <param name="Count">Executions (0: none, with min and max 0 and no bins).</param>
/// <param name="Errors">Of them, failures.</param>
/// <param name="Sum">Sum of durations, ms.</param>
/// <param name="Min">Shortest duration, ms.</param>
/// <param name="Max">Longest duration, ms.</param>
/// <param name="Bins">The durations' merged sketch (packed bins), or null.</param>
public sealed record StoredOperationSpan(string OperationId, int Hours, long StartMs, long Count, long Errors, double Sum, double Min, double Max, uint[]? Bins);

/// <summary>A baseline as stored: over every hour of the period (slot −1) or one hour of the week (0–167).</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="Slot">−1 for all hours; else the hour of the week (0 = Monday 00:00 UTC).</param>
/// <param name="Executions">Executions it is computed from (its sample size).</param>
/// <param name="Failures">Of them, failures.</param>
/// <param name="AvgMs">Mean duration.</param>
/// <param name="P50Ms">Median duration.</param>
/// <param name="P95Ms">95th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="Minutes">Minutes of the hours it covers (throughput = executions / minutes).</param>
/// <param name="FromMs">Start of the period covered: all hours, the start of the period or of the operation's first hour when later; an hour of the week, its first hour with executions.</param>
/// <param name="ToMs">End of the period covered: all hours, the end of the last hour summed; an hour of the week, the end of its last hour with executions.</param>
/// <param name="ComputedAtMs">When it was last computed.</param>
public sealed record StoredBaseline(string OperationId, int Slot, long Executions, long Failures, double AvgMs, double? P50Ms, double? P95Ms, double? P99Ms, long Minutes, long FromMs, long ToMs, long ComputedAtMs);
