using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Storage.Traces;

namespace Vigil.Otlp.Traces;

/// <summary>
/// The bounded trace store: keeps the spans of the traces <see cref="TraceSampler"/> picks and,
/// when they take more than <see cref="TraceOptions.BudgetMb"/>, drops the oldest traces whole
/// until they take 90 % of it; reads transactions and traces back for the API.
/// </summary>
public sealed partial class TraceStore
{
    /// <summary>Spans nested deeper than this in a trace's tree are listed at its top (with their parent's id), so a tree of any depth serialises.</summary>
    public const int MaxDepth = 16;

    // What a span counts against the budget besides its text: ids, numbers, row and index overhead.
    // Measured on SQLite (BENCHMARKS, "OpenTelemetry ingest and traces"): with 96 the table and its
    // indexes took 1.54 times the count (the hex ids again in the key index, the other indexes,
    // page fill), about 110 bytes a row more.
    private const int RowOverheadBytes = 208;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TraceRepository _repository;
    private readonly TraceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TraceStore> _logger;
    private readonly TraceSampler _sampler;
    private readonly SemaphoreSlim _trim = new(1, 1);
    private long _totalBytes = -1;
    private long _addedSinceCount;

    /// <summary>Creates the store (one per process: it keeps the routes' recent durations and the traces kept for errors or slowness).</summary>
    public TraceStore(TraceRepository repository, IOptions<TraceOptions> options, TimeProvider time, ILogger<TraceStore> logger)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _repository = repository;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _sampler = new TraceSampler(_options, time);
    }

    /// <summary>Keeps the spans of the traces the sampler picks; returns how many spans were kept.</summary>
    public async Task<int> SaveAsync(IReadOnlyList<TraceSpan> spans, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var kept = _sampler.Keep(spans);
        if (kept.Count == 0)
        {
            return 0;
        }

        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = kept.Select(s => ToStored(s, nowMs)).ToList();
        await _repository.InsertAsync(rows, cancellationToken).ConfigureAwait(false);
        await KeepWithinBudgetAsync(rows.Sum(r => r.Bytes), cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>The transactions of kept traces, newest first.</summary>
    public async Task<IReadOnlyList<TransactionView>> TransactionsAsync(TransactionQuery query, CancellationToken cancellationToken = default)
    {
        var rows = await _repository.TransactionsAsync(query, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new TransactionView(r.TraceId, r.SpanId, r.Service, r.Route!, r.Method, r.Error ? "error" : "ok", r.Name, Time(r.StartNs), r.DurationMs))];
    }

    /// <summary>The services with kept transactions, by name (the transactions page's choices).</summary>
    public Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken = default) => _repository.ServicesAsync(cancellationToken);

    /// <summary>A kept trace as a tree, or null when none of its spans is kept.</summary>
    /// <param name="traceId">32 hex digits, lowercase.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<TraceView?> TraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        var rows = await _repository.TraceAsync(traceId, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return null;
        }

        var startNs = rows.Min(r => r.StartNs);
        var endMs = rows.Max(r => (r.StartNs - startNs) / 1e6 + r.DurationMs);
        var children = rows.Where(r => r.ParentSpanId is not null).ToLookup(r => r.ParentSpanId!, StringComparer.Ordinal);
        var ids = rows.Select(r => r.SpanId).ToHashSet(StringComparer.Ordinal);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var top = new List<SpanView>();

        // Roots, and spans whose parent is not kept, first; spans past MaxDepth join them (so the
        // recursion, like the JSON, is never deeper than MaxDepth, however long a chain of spans).
        var pending = new Queue<StoredSpan>(rows.Where(r => r.ParentSpanId is null || !ids.Contains(r.ParentSpanId)));
        SpanView Node(StoredSpan row, int depth)
        {
            placed.Add(row.SpanId);
            var below = new List<SpanView>();
            foreach (var child in children[row.SpanId])
            {
                if (!placed.Add(child.SpanId))
                {
                    continue; // a span listed as its own ancestor
                }

                if (depth + 1 >= MaxDepth)
                {
                    pending.Enqueue(child);
                }
                else
                {
                    below.Add(Node(child, depth + 1));
                }
            }

            return ToView(row, startNs, below);
        }

        void Drain()
        {
            while (pending.TryDequeue(out var row))
            {
                top.Add(Node(row, 0));
            }
        }

        Drain();

        // Whatever a cycle of parents left out.
        foreach (var row in rows)
        {
            if (placed.Add(row.SpanId))
            {
                pending.Enqueue(row);
                Drain();
            }
        }

        return new TraceView(traceId, Time(startNs), endMs, rows.Count, [.. top.OrderBy(s => s.StartedAt)]);
    }

    private async Task KeepWithinBudgetAsync(long added, CancellationToken cancellationToken)
    {
        await _trim.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Other nodes write to the same table: the total is counted again in the database after
            // every tenth of the budget this process adds, so N nodes overshoot by at most N tenths.
            var budget = _options.BudgetBytes;
            _addedSinceCount += added;
            if (_totalBytes < 0 || _addedSinceCount > budget / 10)
            {
                _totalBytes = await _repository.TotalBytesAsync(cancellationToken).ConfigureAwait(false);
                _addedSinceCount = 0;
            }
            else
            {
                _totalBytes += added;
            }

            if (_totalBytes <= budget)
            {
                return;
            }

            // What this process counted may be off (duplicates, other processes): count again before deleting.
            _totalBytes = await _repository.TotalBytesAsync(cancellationToken).ConfigureAwait(false);
            _addedSinceCount = 0;
            if (_totalBytes <= budget)
            {
                return;
            }

            var freed = await _repository.DeleteOldestAsync(_totalBytes - (budget / 10 * 9), cancellationToken).ConfigureAwait(false);
            _totalBytes -= freed;
            LogTrimmed(_logger, freed, _options.BudgetMb);
        }
        finally
        {
            _trim.Release();
        }
    }

    private static StoredSpan ToStored(TraceSpan span, long nowMs)
    {
        var attributes = JsonSerializer.Serialize(span.Attributes, Json);
        var events = JsonSerializer.Serialize(span.Events.Select(e => new StoredEvent(e.Name, e.TimeUnixNano, e.Attributes)), Json);
        var bytes = RowOverheadBytes + Encoding.UTF8.GetByteCount(span.Service) + Encoding.UTF8.GetByteCount(span.Name) + Encoding.UTF8.GetByteCount(span.Kind)
            + Encoding.UTF8.GetByteCount(span.StatusMessage ?? "") + Encoding.UTF8.GetByteCount(span.Route ?? "") + Encoding.UTF8.GetByteCount(span.Method ?? "")
            + Encoding.UTF8.GetByteCount(attributes) + Encoding.UTF8.GetByteCount(events);
        return new StoredSpan(span.TraceId, span.SpanId, span.ParentSpanId, span.Service, span.Name, span.Kind, (long)span.StartUnixNano, span.DurationMs, span.IsError,
            span.StatusMessage, span.Route, span.Method, attributes, events, bytes, nowMs);
    }

    private static SpanView ToView(StoredSpan row, long traceStartNs, IReadOnlyList<SpanView> children)
    {
        var attributes = JsonSerializer.Deserialize<Dictionary<string, string>>(row.Attributes, Json) ?? [];
        var events = JsonSerializer.Deserialize<StoredEvent[]>(row.Events, Json) ?? [];
        return new SpanView(row.SpanId, row.ParentSpanId, row.Service, row.Name, row.Kind, Time(row.StartNs), (row.StartNs - traceStartNs) / 1e6, row.DurationMs,
            row.Error ? "error" : "ok", row.StatusMessage, row.Route is not null, attributes,
            [.. events.Select(e => new SpanEventView(e.Name, Time((long)e.TimeUnixNano), e.Attributes))], [.. children.OrderBy(c => c.StartedAt)]);
    }

    private static DateTimeOffset Time(long unixNano) => DateTimeOffset.UnixEpoch.AddTicks(unixNano / 100);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "The trace store was over its budget of {BudgetMb} MB: the oldest traces were dropped ({Freed} bytes)")]
    private static partial void LogTrimmed(ILogger logger, long freed, int budgetMb);

    /// <summary>An event as stored (JSON).</summary>
    private sealed record StoredEvent(string Name, ulong TimeUnixNano, IReadOnlyDictionary<string, string> Attributes);
}
