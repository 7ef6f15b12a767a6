namespace Vigil.Storage.Traces;

/// <summary>A span of a kept trace, as stored.</summary>
/// <param name="TraceId">32 lowercase hex digits.</param>
/// <param name="SpanId">16 lowercase hex digits.</param>
/// <param name="ParentSpanId">The parent's span id; null for a root.</param>
/// <param name="Service">The service that sent it.</param>
/// <param name="Name">Its name (normalised: never a statement's values).</param>
/// <param name="Kind">server, client, internal, producer, consumer, db, cache, http, messaging or rpc.</param>
/// <param name="StartNs">When it started (Unix nanoseconds).</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Error">Whether it failed.</param>
/// <param name="StatusMessage">Its status message, if any.</param>
/// <param name="Route">A transaction's route; null for other spans.</param>
/// <param name="Method">A transaction's HTTP method, if any.</param>
/// <param name="Attributes">Its attributes (a JSON object of strings).</param>
/// <param name="Events">Its events (a JSON array).</param>
/// <param name="Bytes">What it counts against the store's budget.</param>
/// <param name="StoredAtMs">When it was kept (Unix ms).</param>
public sealed record StoredSpan(
    string TraceId, string SpanId, string? ParentSpanId, string Service, string Name, string Kind, long StartNs, double DurationMs, bool Error,
    string? StatusMessage, string? Route, string? Method, string Attributes, string Events, long Bytes, long StoredAtMs);

/// <summary>Which transactions to list, newest first.</summary>
/// <param name="Service">Only this service's.</param>
/// <param name="Route">Only this route's.</param>
/// <param name="MinDurationMs">Only those that took at least this long.</param>
/// <param name="Error">Only failed ones (true) or successful ones (false).</param>
/// <param name="FromNs">Only those started at or after this (Unix nanoseconds).</param>
/// <param name="ToNs">Only those started before this (Unix nanoseconds).</param>
/// <param name="Limit">At most this many.</param>
public sealed record TransactionQuery(string? Service, string? Route, double? MinDurationMs, bool? Error, long? FromNs, long? ToNs, int Limit);
