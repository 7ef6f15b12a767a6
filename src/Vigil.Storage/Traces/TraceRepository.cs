using Dapper;

namespace Vigil.Storage.Traces;

/// <summary>
/// The trace store's table: the spans of the kept traces, each with the bytes it counts against
/// the budget; the oldest traces are deleted whole to make room.
/// </summary>
public sealed class TraceRepository
{
    private const string Columns =
        "trace_id AS TraceId, span_id AS SpanId, parent_span_id AS ParentSpanId, service AS Service, name AS Name, kind AS Kind, start_ns AS StartNs, " +
        "duration_ms AS DurationMs, error AS Error, status_message AS StatusMessage, route AS Route, method AS Method, attributes AS Attributes, events AS Events, " +
        "bytes AS Bytes, stored_at AS StoredAtMs";

    private const int DeleteChunk = 2_000;

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public TraceRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Stores spans (a span stored already, sent again by a retrying exporter, is left as it is); returns how many were new.</summary>
    public async Task<int> InsertAsync(IReadOnlyList<StoredSpan> spans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spans);
        if (spans.Count == 0)
        {
            return 0;
        }

        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var inserted = await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trace_spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ms, error, status_message, route, method, attributes, events, bytes, stored_at)
            VALUES (@TraceId, @SpanId, @ParentSpanId, @Service, @Name, @Kind, @StartNs, @DurationMs, @Error, @StatusMessage, @Route, @Method, @Attributes, @Events, @Bytes, @StoredAtMs)
            ON CONFLICT (trace_id, span_id) DO NOTHING
            """,
            spans.Select(s => new
            {
                s.TraceId, s.SpanId, s.ParentSpanId, s.Service, s.Name, s.Kind, s.StartNs, s.DurationMs, Error = s.Error ? 1L : 0L,
                s.StatusMessage, s.Route, s.Method, s.Attributes, s.Events, s.Bytes, s.StoredAtMs,
            }),
            work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>The bytes all stored spans count against the budget.</summary>
    public async Task<long> TotalBytesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(SUM(bytes), 0) FROM trace_spans", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the traces kept longest ago, whole, until at least <paramref name="bytes"/> are freed
    /// or nothing is left; returns the bytes freed.
    /// </summary>
    public async Task<long> DeleteOldestAsync(long bytes, CancellationToken cancellationToken = default)
    {
        long freed = 0;
        while (freed < bytes)
        {
            await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
            var oldest = (await work.Connection.QueryAsync<OldRow>(new CommandDefinition(
                $"SELECT trace_id AS TraceId, bytes AS Bytes FROM trace_spans ORDER BY stored_at, trace_id LIMIT {DeleteChunk}",
                transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            if (oldest.Count == 0)
            {
                break;
            }

            // Whole traces, oldest first, until enough would be freed (a trace's spans may have come in several exports).
            var traces = new HashSet<string>(StringComparer.Ordinal);
            var counted = freed;
            foreach (var row in oldest)
            {
                if (!traces.Contains(row.TraceId))
                {
                    if (counted >= bytes)
                    {
                        break;
                    }

                    traces.Add(row.TraceId);
                }

                counted += row.Bytes;
            }

            // Trace ids are hex digits only (the receiver writes them): safe as literals, one IN list on both providers.
            var doomed = string.Join(',', traces.Select(t => "'" + t.Replace("'", "''", StringComparison.Ordinal) + "'"));
            freed += await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"SELECT COALESCE(SUM(bytes), 0) FROM trace_spans WHERE trace_id IN ({doomed})", transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await work.Connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM trace_spans WHERE trace_id IN ({doomed})", transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return freed;
    }

    /// <summary>The transactions <paramref name="query"/> asks for, newest first.</summary>
    public async Task<IReadOnlyList<StoredSpan>> TransactionsAsync(TransactionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string> { "route IS NOT NULL" };
        if (query.Service is not null)
        {
            where.Add("service = @Service");
        }

        if (query.Route is not null)
        {
            where.Add("route = @Route");
        }

        if (query.MinDurationMs is not null)
        {
            where.Add("duration_ms >= @MinDurationMs");
        }

        if (query.Error is { } error)
        {
            where.Add(error ? "error = 1" : "error = 0");
        }

        if (query.FromNs is not null)
        {
            where.Add("start_ns >= @FromNs");
        }

        if (query.ToNs is not null)
        {
            where.Add("start_ns < @ToNs");
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SpanRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trace_spans WHERE {string.Join(" AND ", where)} ORDER BY start_ns DESC, trace_id, span_id LIMIT @Limit",
            new { query.Service, query.Route, query.MinDurationMs, query.FromNs, query.ToNs, query.Limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>The services with kept transactions, by name.</summary>
    public async Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT service FROM trace_spans WHERE route IS NOT NULL ORDER BY service", cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>The stored spans of one trace, by start.</summary>
    public async Task<IReadOnlyList<StoredSpan>> TraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SpanRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trace_spans WHERE trace_id = @traceId ORDER BY start_ns, span_id", new { traceId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    private sealed class OldRow
    {
        public string TraceId { get; set; } = "";

        public long Bytes { get; set; }
    }

    private sealed class SpanRow
    {
        public string TraceId { get; set; } = "";

        public string SpanId { get; set; } = "";

        public string? ParentSpanId { get; set; }

        public string Service { get; set; } = "";

        public string Name { get; set; } = "";

        public string Kind { get; set; } = "";

        public long StartNs { get; set; }

        public double DurationMs { get; set; }

        public long Error { get; set; }

        public string? StatusMessage { get; set; }

        public string? Route { get; set; }

        public string? Method { get; set; }

        public string Attributes { get; set; } = "";

        public string Events { get; set; } = "";

        public long Bytes { get; set; }

        public long StoredAtMs { get; set; }

        public StoredSpan ToStored() => new(TraceId, SpanId, ParentSpanId, Service, Name, Kind, StartNs, DurationMs, Error != 0, StatusMessage, Route, Method, Attributes, Events, Bytes, StoredAtMs);
    }
}
