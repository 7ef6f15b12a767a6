namespace Vigil.Otlp.Traces;

/// <summary>
/// A span as Vigil keeps it: ids in lowercase hex, the service from the resource, its kind in
/// Vigil's terms (<see cref="SpanNames.Kind"/>), its name normalised for series, attributes as
/// text (database statements normalised, long values clipped). A transaction (an entry span of
/// a service: a server or consumer span, or a root) has a <see cref="Route"/>.
/// </summary>
/// <param name="TraceId">32 hex digits.</param>
/// <param name="SpanId">16 hex digits.</param>
/// <param name="ParentSpanId">16 hex digits, or null for a root span.</param>
/// <param name="Service">The resource's <c>service.name</c>.</param>
/// <param name="Name">The span's name as its series names it (<c>SELECT orders</c>, <c>GET api.example.com</c>).</param>
/// <param name="Kind">server, client, internal, producer, consumer, or db, cache, http, messaging, rpc.</param>
/// <param name="StartUnixNano">When it started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="IsError">Whether its status is an error (or, for a transaction, its HTTP status is 5xx).</param>
/// <param name="StatusMessage">The status' message, if any.</param>
/// <param name="Attributes">The span's attributes as text.</param>
/// <param name="Events">Its events (exceptions among them).</param>
/// <param name="Route">The transaction's route (<c>http.route</c>, else its name); null when it is not a transaction.</param>
/// <param name="Method">The transaction's HTTP method, if any.</param>
public sealed record TraceSpan(
    string TraceId, string SpanId, string? ParentSpanId, string Service, string Name, string Kind, ulong StartUnixNano, double DurationMs,
    bool IsError, string? StatusMessage, IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<TraceEvent> Events, string? Route, string? Method)
{
    /// <summary>Whether this span is a transaction (an entry span of its service).</summary>
    public bool IsTransaction => Route is not null;
}

/// <summary>An event of a span (an <c>exception</c> event carries <c>exception.type</c>, <c>exception.message</c>, <c>exception.stacktrace</c>).</summary>
/// <param name="Name">The event's name.</param>
/// <param name="TimeUnixNano">When it happened.</param>
/// <param name="Attributes">Its attributes as text.</param>
public sealed record TraceEvent(string Name, ulong TimeUnixNano, IReadOnlyDictionary<string, string> Attributes);
