using System.Diagnostics;
using System.Globalization;

namespace Vigil.Client;

/// <summary>
/// A finished activity as the client sends it (OTLP's span, ids in hex): copied when the activity
/// stops, so no reference to it (or to what its tags point at) is kept, and with what must never
/// leave the application taken out (<see cref="IsPrivate"/>).
/// </summary>
internal sealed record SpanRecord(
    string TraceId, string SpanId, string? ParentSpanId, string Name, int Kind, ulong StartUnixNano, ulong EndUnixNano,
    int StatusCode, string? StatusMessage, KeyValuePair<string, string>[] Attributes, SpanEventRecord[] Events)
{
    /// <summary>The longest attribute value sent (Vigil clips at the same length).</summary>
    public const int MaxValueLength = 4096;

    /// <summary>The most attributes sent per span or event.</summary>
    public const int MaxAttributes = 64;

    private static readonly string[] UrlKeys = ["url.full", "http.url", "url.original", "http.target"];

    /// <summary>Copies a stopped activity.</summary>
    public static SpanRecord From(Activity activity)
    {
        var start = activity.StartTimeUtc;
        var startNano = UnixNano(start);
        var events = activity.Events
            .Where(e => e.Name != "exception") // errors go to Vigil as error events (CaptureException), not twice
            .Take(MaxAttributes)
            .Select(e => new SpanEventRecord(e.Name, UnixNano(e.Timestamp.UtcDateTime), CopyAttributes(e.Tags)))
            .ToArray();
        return new SpanRecord(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName,
            (int)activity.Kind + 1, // OTLP's SpanKind counts from UNSPECIFIED = 0
            startNano,
            startNano + (ulong)Math.Max(0, activity.Duration.Ticks) * 100,
            activity.Status switch { ActivityStatusCode.Ok => 1, ActivityStatusCode.Error => 2, _ => 0 },
            activity.Status == ActivityStatusCode.Error ? Clip(activity.StatusDescription) : null,
            CopyAttributes(activity.TagObjects),
            events);
    }

    /// <summary>
    /// Whether an attribute must not be sent: headers (Authorization, cookies among them), bodies,
    /// query strings, query parameters' values and the end user.
    /// </summary>
    public static bool IsPrivate(string key) =>
        key.StartsWith("http.request.header.", StringComparison.Ordinal) || key.StartsWith("http.response.header.", StringComparison.Ordinal)
        || key.StartsWith("db.query.parameter.", StringComparison.Ordinal) || key.StartsWith("enduser.", StringComparison.Ordinal)
        || key.Contains("cookie", StringComparison.OrdinalIgnoreCase) || key.Contains("authorization", StringComparison.OrdinalIgnoreCase)
        || key.Contains("body", StringComparison.OrdinalIgnoreCase) || key is "url.query" or "http.query";

    /// <summary>A URL without its query string or fragment.</summary>
    public static string WithoutQuery(string url)
    {
        var end = url.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? url : url[..end];
    }

    private static KeyValuePair<string, string>[] CopyAttributes(IEnumerable<KeyValuePair<string, object?>> tags)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in tags)
        {
            if (list.Count == MaxAttributes)
            {
                break;
            }

            if (string.IsNullOrEmpty(key) || IsPrivate(key) || Text(value) is not { } text)
            {
                continue;
            }

            list.Add(new(key, Clip(UrlKeys.Contains(key) ? WithoutQuery(text) : text)!));
        }

        return [.. list];
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(i => Convert.ToString(i, CultureInfo.InvariantCulture))),
        _ => value.ToString(),
    };

    private static string? Clip(string? text) => text is { Length: > MaxValueLength } ? text[..MaxValueLength] : text;

    private static ulong UnixNano(DateTime utc) => (ulong)Math.Max(0, (utc - DateTime.UnixEpoch).Ticks) * 100;
}

/// <summary>An event of a span (not an exception: those are error events).</summary>
internal sealed record SpanEventRecord(string Name, ulong TimeUnixNano, KeyValuePair<string, string>[] Attributes);
