using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Otlp.Proto.Collector.Trace.V1;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Resource.V1;
using Vigil.Otlp.Proto.Trace.V1;

namespace Vigil.Otlp.Traces;

/// <summary>
/// A Sentry <c>transaction</c> (an envelope item; develop.sentry.dev/sdk/event-payloads/transaction)
/// as the OTLP export it stands for, so it takes the one road spans take
/// (<see cref="OtlpTraceReceiver.Map"/>: the same checks, kinds, names, series and trace store).
/// The transaction (its <c>contexts.trace</c>) is an entry span: <c>server</c> for an
/// <c>http.server</c> operation, <c>consumer</c> for a <c>queue.*</c> one, else <c>server</c>;
/// its spans by their <c>op</c>: <c>db*</c> a database call (its <c>description</c> the statement),
/// <c>http.client</c> an outgoing call (<c>description</c> "METHOD url", the query left out),
/// <c>cache*</c> a cache call, anything else internal. A span's ids, times or duration that the
/// receiver refuses refuse that span only. What a transaction's request carries besides its method
/// (headers, cookies, body, query string) is never read.
/// </summary>
public static class SentryTransactions
{
    // Sentry's span statuses that stand for a server's failure (5xx) or an error; 4xx ones (not_found,
    // invalid_argument, unauthenticated, permission_denied, resource_exhausted, …) are the caller's.
    private static readonly string[] ErrorStatuses = ["internal_error", "unknown_error", "unknown", "data_loss", "unavailable", "unimplemented", "deadline_exceeded", "aborted"];

    /// <summary>
    /// Reads a transaction's JSON into an export of its spans; fails only when it is not a JSON object
    /// (the spans' own problems are the receiver's to find, span by span).
    /// </summary>
    /// <param name="json">The item's payload.</param>
    /// <param name="defaultService">The service when the transaction has no <c>service</c> tag (the DSN's project).</param>
    /// <param name="request">The export.</param>
    /// <param name="problem">Why it could not be read.</param>
    public static bool TryRead(ReadOnlyMemory<byte> json, string defaultService, [NotNullWhen(true)] out OtlpTracesRequest? request, [NotNullWhen(false)] out string? problem)
    {
        request = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "The transaction must be a JSON object.";
                return false;
            }

            request = OtlpTracesRequest.From(Read(root, defaultService));
            problem = null;
            return true;
        }
        catch (JsonException ex)
        {
            problem = "The transaction is not valid JSON: " + ex.Message;
            return false;
        }
        catch (InvalidOperationException)
        {
            problem = "The transaction holds a string that is not valid text (a lone surrogate).";
            return false;
        }
    }

    private static ExportTraceServiceRequest Read(JsonElement root, string defaultService)
    {
        var tags = Object(root, "tags");
        var resource = new Resource();
        resource.Attributes.Add(Attribute(OtlpOptions.ServiceName, Str(tags, "service") is { Length: > 0 } service ? service : defaultService));
        AddIfPresent(resource.Attributes, "service.version", Str(root, "release"));
        AddIfPresent(resource.Attributes, "deployment.environment", Str(root, "environment"));

        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "sentry" } };
        var trace = Object(Object(root, "contexts"), "trace");
        var traceId = Str(trace, "trace_id");
        scope.Spans.Add(Transaction(root, trace, traceId));
        if (root.TryGetProperty("spans", out var spans) && spans.ValueKind == JsonValueKind.Array)
        {
            foreach (var span in spans.EnumerateArray())
            {
                scope.Spans.Add(ChildSpan(span, traceId));
            }
        }

        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(scope);
        var export = new ExportTraceServiceRequest();
        export.ResourceSpans.Add(resourceSpans);
        return export;
    }

    private static Span Transaction(JsonElement root, JsonElement trace, string? traceId)
    {
        var op = Str(trace, "op") ?? "";
        var name = Str(root, "transaction") ?? op;
        var span = NewSpan(trace, traceId, name, root);
        span.Kind = op.StartsWith("queue.", StringComparison.Ordinal) ? Span.Types.SpanKind.Consumer : Span.Types.SpanKind.Server;
        AddData(span, trace);
        AddIfPresent(span.Attributes, "sentry.op", op);

        // ASP.NET Core's transaction is named "GET /orders/{id}" (source "route"): the route is the name without its method.
        var method = Str(Object(root, "request"), "method")?.ToUpperInvariant();
        if (method is not null && !Has(span, "http.request.method"))
        {
            span.Attributes.Add(Attribute("http.request.method", method));
        }

        var source = Str(Object(root, "transaction_info"), "source");
        if (source is "route" or null && method is not null && name.StartsWith(method + " ", StringComparison.Ordinal) && !Has(span, "http.route"))
        {
            span.Attributes.Add(Attribute("http.route", name[(method.Length + 1)..]));
        }

        if (Object(Object(root, "contexts"), "response") is { ValueKind: JsonValueKind.Object } response
            && response.TryGetProperty("status_code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var status)
            && !Has(span, "http.response.status_code"))
        {
            span.Attributes.Add(new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = status } });
        }

        return span;
    }

    private static Span ChildSpan(JsonElement item, string? transactionTraceId)
    {
        var op = Str(item, "op") ?? "";
        var description = Str(item, "description");
        var span = NewSpan(item, Str(item, "trace_id") ?? transactionTraceId, description ?? op, item);
        span.Kind = Span.Types.SpanKind.Internal;
        AddData(span, item);
        AddIfPresent(span.Attributes, "sentry.op", op);
        if (op.StartsWith("db", StringComparison.Ordinal))
        {
            span.Kind = Span.Types.SpanKind.Client;
            if (!Has(span, "db.system") && !Has(span, "db.system.name"))
            {
                span.Attributes.Add(Attribute("db.system", "other_sql"));
            }

            if (description is not null && !Has(span, "db.query.text") && !Has(span, "db.statement"))
            {
                span.Attributes.Add(Attribute("db.query.text", description));
            }
        }
        else if (op.StartsWith("cache", StringComparison.Ordinal))
        {
            span.Kind = Span.Types.SpanKind.Client;
            if (!Has(span, "db.system") && !Has(span, "db.system.name"))
            {
                span.Attributes.Add(Attribute("db.system", "redis"));
            }
        }
        else if (op == "http.client")
        {
            span.Kind = Span.Types.SpanKind.Client;
            var parts = (description ?? "").Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && !Has(span, "http.request.method"))
            {
                span.Attributes.Add(Attribute("http.request.method", parts[0].ToUpperInvariant()));
            }

            var url = parts.Length == 2 ? parts[1] : parts[0];
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                span.Name = (parts.Length == 2 ? parts[0].ToUpperInvariant() + " " : "") + uri.GetLeftPart(UriPartial.Path);
                span.Attributes.Add(Attribute("url.full", uri.GetLeftPart(UriPartial.Path)));
                span.Attributes.Add(Attribute("server.address", uri.Host));
            }
        }

        return span;
    }

    /// <summary>The ids, name, times and status every span has; ids that are not hex become empty (the receiver refuses the span).</summary>
    private static Span NewSpan(JsonElement ids, string? traceId, string name, JsonElement times)
    {
        var span = new Span
        {
            TraceId = Id(traceId),
            SpanId = Id(Str(ids, "span_id")),
            ParentSpanId = Str(ids, "parent_span_id") is { Length: > 0 } parent ? Id(parent) : ByteString.Empty,
            Name = name,
            StartTimeUnixNano = Nanos(times, "start_timestamp"),
            EndTimeUnixNano = Nanos(times, "timestamp"),
        };
        if (Str(ids, "status") is { } status && ErrorStatuses.Contains(status))
        {
            span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = status };
        }

        return span;
    }

    /// <summary>The span's <c>data</c> and <c>tags</c> as attributes (the receiver clips them and normalises statements).</summary>
    private static void AddData(Span span, JsonElement item)
    {
        foreach (var member in (string[])["data", "tags"])
        {
            if (Object(item, member) is not { ValueKind: JsonValueKind.Object } values)
            {
                continue;
            }

            foreach (var property in values.EnumerateObject())
            {
                if (Has(span, property.Name))
                {
                    continue;
                }

                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => new AnyValue { StringValue = property.Value.GetString() },
                    JsonValueKind.Number when property.Value.TryGetInt64(out var whole) => new AnyValue { IntValue = whole },
                    JsonValueKind.Number => new AnyValue { DoubleValue = property.Value.GetDouble() },
                    JsonValueKind.True or JsonValueKind.False => new AnyValue { BoolValue = property.Value.GetBoolean() },
                    _ => null,
                };
                if (value is not null)
                {
                    span.Attributes.Add(new KeyValue { Key = property.Name, Value = value });
                }
            }
        }
    }

    /// <summary>A Sentry time (seconds since 1970 as a number, or an RFC 3339 string) in Unix nanoseconds; 0 when absent or unreadable.</summary>
    private static ulong Nanos(JsonElement item, string name)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(name, out var value))
        {
            return 0;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var seconds) && seconds is > 0 and < 1e10m)
        {
            return (ulong)(seconds * 1_000_000_000m);
        }

        return value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            && time >= DateTimeOffset.UnixEpoch
            ? (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100
            : 0;
    }

    private static ByteString Id(string? hex)
    {
        var digits = hex?.Replace("-", "", StringComparison.Ordinal);
        return digits is { Length: > 0 } && digits.Length % 2 == 0 && digits.All(char.IsAsciiHexDigit)
            ? ByteString.CopyFrom(Convert.FromHexString(digits))
            : ByteString.Empty;
    }

    private static bool Has(Span span, string key) => span.Attributes.Any(a => a.Key == key);

    private static void AddIfPresent(Google.Protobuf.Collections.RepeatedField<KeyValue> attributes, string key, string? value)
    {
        if (value is { Length: > 0 })
        {
            attributes.Add(Attribute(key, value));
        }
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static JsonElement Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
