namespace Vigil.Otlp.Traces;

/// <summary>A transaction of a kept trace (<c>GET /api/v1/transactions</c>).</summary>
/// <param name="TraceId">Its trace (<c>GET /api/v1/traces/{traceId}</c>).</param>
/// <param name="SpanId">Its span.</param>
/// <param name="Service">The service it entered.</param>
/// <param name="Route">Its route (<c>http.route</c>, else its span's name).</param>
/// <param name="Method">Its HTTP method, if any.</param>
/// <param name="Status"><c>ok</c> or <c>error</c>.</param>
/// <param name="Name">Its span's name.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="DurationMs">How long it took.</param>
public sealed record TransactionView(string TraceId, string SpanId, string Service, string Route, string? Method, string Status, string Name, DateTimeOffset StartedAt, double DurationMs);

/// <summary>A kept trace as a tree of spans (<c>GET /api/v1/traces/{traceId}</c>).</summary>
/// <param name="TraceId">32 hex digits.</param>
/// <param name="StartedAt">When its first span started.</param>
/// <param name="DurationMs">From its first span's start to its last span's end.</param>
/// <param name="SpanCount">How many spans are kept of it.</param>
/// <param name="Spans">Its root spans (and spans whose parent is not kept), each with its children.</param>
public sealed record TraceView(string TraceId, DateTimeOffset StartedAt, double DurationMs, int SpanCount, IReadOnlyList<SpanView> Spans);

/// <summary>A span in a trace's tree.</summary>
/// <param name="SpanId">16 hex digits.</param>
/// <param name="ParentSpanId">Its parent's span id; null for a root.</param>
/// <param name="Service">The service that sent it.</param>
/// <param name="Name">Its name (database statements without their values).</param>
/// <param name="Kind">server, client, internal, producer, consumer, db, cache, http, messaging or rpc.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="OffsetMs">How long after the trace's start it started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Status"><c>ok</c> or <c>error</c>.</param>
/// <param name="StatusMessage">Its status message, if any.</param>
/// <param name="Transaction">Whether it is a transaction (an entry span of its service).</param>
/// <param name="Attributes">Its attributes as text.</param>
/// <param name="Events">Its events (an exception is an <c>exception</c> event with <c>exception.type</c>, <c>exception.message</c>, <c>exception.stacktrace</c>).</param>
/// <param name="Children">The spans it started, by start.</param>
public sealed record SpanView(
    string SpanId, string? ParentSpanId, string Service, string Name, string Kind, DateTimeOffset StartedAt, double OffsetMs, double DurationMs, string Status,
    string? StatusMessage, bool Transaction, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<SpanEventView> Events, IReadOnlyList<SpanView> Children);

/// <summary>An event of a span.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Time">When it happened.</param>
/// <param name="Attributes">Its attributes as text.</param>
public sealed record SpanEventView(string Name, DateTimeOffset Time, IReadOnlyDictionary<string, string> Attributes);
