using Vigil.Otlp.Proto.Trace.V1;

namespace Vigil.Otlp.Traces;

/// <summary>
/// A span's kind and name as its series labels them, from OpenTelemetry's semantic conventions
/// (current names first, the older ones still sent by many instrumentations after them).
/// </summary>
internal static class SpanNames
{
    /// <summary>The longest span name kept as a label (longer ones are clipped).</summary>
    public const int MaxNameLength = 200;

    private static readonly string[] CacheSystems = ["redis", "memcached", "hazelcast", "aerospike", "couchbase", "geode", "coherence"];

    /// <summary>
    /// The kind: <c>db</c> or <c>cache</c> for database calls (<c>db.system.name</c>,
    /// <c>db.system</c>), <c>messaging</c>, <c>rpc</c>, <c>http</c> for outgoing HTTP calls;
    /// otherwise OTLP's kind (server, client, internal, producer, consumer).
    /// </summary>
    public static string Kind(Span.Types.SpanKind kind, IReadOnlyDictionary<string, string> attributes)
    {
        if (First(attributes, "db.system.name", "db.system") is { } db)
        {
            return CacheSystems.Contains(db, StringComparer.OrdinalIgnoreCase) ? "cache" : "db";
        }

        if (kind != Span.Types.SpanKind.Server && First(attributes, "messaging.system") is not null)
        {
            return "messaging";
        }

        if (kind == Span.Types.SpanKind.Client && First(attributes, "rpc.system") is not null)
        {
            return "rpc";
        }

        if (kind == Span.Types.SpanKind.Client && First(attributes, "http.request.method", "http.method") is not null)
        {
            return "http";
        }

        return kind switch
        {
            Span.Types.SpanKind.Server => "server",
            Span.Types.SpanKind.Client => "client",
            Span.Types.SpanKind.Producer => "producer",
            Span.Types.SpanKind.Consumer => "consumer",
            _ => "internal",
        };
    }

    /// <summary>
    /// The span's name for its series: a database call by <c>db.query.summary</c>, else its
    /// operation and table, else its statement's summary, never a statement's values; an HTTP
    /// call by method and host (never the URL's path or query); a server span by method and
    /// route; anything else by its name. Clipped to <see cref="MaxNameLength"/>.
    /// </summary>
    public static string Name(string kind, string spanName, IReadOnlyDictionary<string, string> attributes)
    {
        var name = kind switch
        {
            "db" or "cache" => DatabaseName(spanName, attributes),
            "http" => HttpClientName(spanName, attributes),
            "server" => Route(attributes) is { } route && Method(attributes) is { } method ? $"{method} {route}" : spanName,
            _ => spanName,
        };
        return Clip(name.Length == 0 ? "unnamed" : name);
    }

    /// <summary>The HTTP route of a server span (<c>http.route</c>), if any.</summary>
    public static string? Route(IReadOnlyDictionary<string, string> attributes) => First(attributes, "http.route");

    /// <summary>The HTTP method of a span, if any.</summary>
    public static string? Method(IReadOnlyDictionary<string, string> attributes) => First(attributes, "http.request.method", "http.method");

    /// <summary>The HTTP status code of a span, if any.</summary>
    public static int? StatusCode(IReadOnlyDictionary<string, string> attributes) =>
        int.TryParse(First(attributes, "http.response.status_code", "http.status_code"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;

    /// <summary>Whether an attribute holds a database statement (normalised before it is kept).</summary>
    public static bool IsStatement(string key) => key is "db.query.text" or "db.statement";

    /// <summary>A text clipped to <paramref name="max"/> characters (never splitting a surrogate pair).</summary>
    public static string Clip(string text, int max = MaxNameLength)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end];
    }

    private static string DatabaseName(string spanName, IReadOnlyDictionary<string, string> attributes)
    {
        if (First(attributes, "db.query.summary") is { } summary)
        {
            return SqlText.Normalise(summary);
        }

        var operation = First(attributes, "db.operation.name", "db.operation");
        var table = First(attributes, "db.collection.name", "db.sql.table", "db.mongodb.collection", "db.cosmosdb.container");
        if (operation is not null)
        {
            return table is null ? operation : $"{operation} {table}";
        }

        if (First(attributes, "db.query.text", "db.statement") is { } statement)
        {
            return SqlText.Summary(statement) ?? SqlText.Normalise(statement);
        }

        // Some instrumentations name the span by the statement itself.
        return SqlText.Summary(spanName) ?? SqlText.Normalise(spanName);
    }

    private static string HttpClientName(string spanName, IReadOnlyDictionary<string, string> attributes)
    {
        var method = Method(attributes);
        var host = First(attributes, "server.address", "net.peer.name", "http.host");
        if (host is null && First(attributes, "url.full", "http.url") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            host = uri.Host;
        }

        return method is null ? spanName : host is null ? method : $"{method} {host}";
    }

    private static string? First(IReadOnlyDictionary<string, string> attributes, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (attributes.TryGetValue(key, out var value) && value.Length > 0)
            {
                return value;
            }
        }

        return null;
    }
}
