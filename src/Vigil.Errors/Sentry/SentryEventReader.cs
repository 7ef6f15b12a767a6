using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Vigil.Errors.Events;

namespace Vigil.Errors.Sentry;

/// <summary>
/// A Sentry event's JSON (develop.sentry.dev/sdk/event-payloads) as an <see cref="ErrorEvent"/>:
/// the exception (the last of <c>exception.values</c>, the one thrown last), its frames, message,
/// level, release, environment, transaction, user, tags and fingerprint. What the event's
/// <c>request</c> carries besides its method and URL (body, cookies, headers, query string),
/// breadcrumbs, <c>extra</c> and contexts are not read, so they are never kept. Long values are
/// clipped (<see cref="Limits"/>), as Sentry trims them, rather than refusing the error.
/// </summary>
internal static class SentryEventReader
{
    /// <summary>Sentry's levels.</summary>
    public static readonly IReadOnlyList<string> Levels = ["fatal", "error", "warning", "info", "debug"];

    /// <summary>Reads an event; <paramref name="fallbackEventId"/> (the envelope header's) and <paramref name="nowMs"/> fill what it lacks.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> json, string? fallbackEventId, string defaultService, long nowMs,
        [NotNullWhen(true)] out ErrorEvent? error, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            return TryReadEvent(json, fallbackEventId, defaultService, nowMs, out error, out problem);
        }
        catch (InvalidOperationException)
        {
            error = null;
            problem = "The event holds a string that is not valid text (a lone surrogate).";
            return false;
        }
    }

    private static bool TryReadEvent(ReadOnlyMemory<byte> json, string? fallbackEventId, string defaultService, long nowMs,
        [NotNullWhen(true)] out ErrorEvent? error, [NotNullWhen(false)] out string? problem)
    {
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            problem = "The event is not valid JSON: " + ex.Message;
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "The event must be a JSON object.";
                return false;
            }

            var eventId = EventId(Str(root, "event_id")) ?? EventId(fallbackEventId);
            if (eventId is null)
            {
                problem = "'event_id' must be 32 hexadecimal digits (a UUID, with or without dashes).";
                return false;
            }

            var level = Str(root, "level")?.ToLowerInvariant() switch
            {
                "warn" => "warning",
                "critical" => "fatal",
                { } l when Levels.Contains(l) => l,
                _ => "error",
            };

            var tags = Tags(root);
            var exception = LastException(root);
            error = new ErrorEvent(eventId, Timestamp(root) ?? nowMs, level, "sentry")
            {
                ExceptionType = Limits.Clip(exception is { } e ? QualifiedType(e) : null, Limits.Name),
                ExceptionValue = Limits.Clip(exception is { } v ? Str(v, "value") : null, Limits.Text),
                Message = Limits.Clip(Message(root), Limits.Text),
                Frames = exception is { } x ? Frames(x) : [],
                Release = Limits.Clip(Str(root, "release"), Limits.Name),
                Environment = Limits.Clip(Str(root, "environment"), Limits.Name),
                Service = Limits.Clip(tags.GetValueOrDefault("service") ?? defaultService, Limits.Name),
                Transaction = Limits.Clip(Str(root, "transaction"), Limits.Name),
                User = root.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object
                    ? Str(user, "id") ?? Str(user, "email") ?? Str(user, "username")
                    : null,
                Tags = tags,
                Fingerprint = Fingerprint(root),
                TraceId = root.TryGetProperty("contexts", out var contexts) && contexts.ValueKind == JsonValueKind.Object
                    && contexts.TryGetProperty("trace", out var trace) && Str(trace, "trace_id") is { Length: 32 } traceId && traceId.All(char.IsAsciiHexDigit)
                    ? traceId.ToLowerInvariant() : null,
                Platform = Limits.Clip(Str(root, "platform"), 50),
                Request = Request(root),
            };
            problem = null;
            return true;
        }
    }

    /// <summary>32 lowercase hex digits from a UUID with or without dashes, or null.</summary>
    public static string? EventId(string? value)
    {
        var hex = value?.Replace("-", "", StringComparison.Ordinal);
        return hex is { Length: 32 } && hex.All(char.IsAsciiHexDigit) ? hex.ToLowerInvariant() : null;
    }

    private static string? Str(JsonElement element, string name) => SentryEnvelope.StringOf(element, name);

    private static long? Timestamp(JsonElement root)
    {
        if (!root.TryGetProperty("timestamp", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds is > 0 and < 1e11)
        {
            return (long)(seconds * 1000);
        }

        return value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeMilliseconds() : null;
    }

    private static string? Message(JsonElement root)
    {
        foreach (var name in (string[])["logentry", "message"])
        {
            if (!root.TryGetProperty(name, out var value))
            {
                continue;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            if (value.ValueKind == JsonValueKind.Object && (Str(value, "formatted") ?? Str(value, "message")) is { } text)
            {
                return text;
            }
        }

        return null;
    }

    private static JsonElement? LastException(JsonElement root)
    {
        if (!root.TryGetProperty("exception", out var exception))
        {
            return null;
        }

        var values = exception.ValueKind == JsonValueKind.Object && exception.TryGetProperty("values", out var v) ? v : exception;
        if (values.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        JsonElement? last = null;
        foreach (var value in values.EnumerateArray())
        {
            if (value.ValueKind == JsonValueKind.Object)
            {
                last = value;
            }
        }

        return last;
    }

    // .NET sends the full name (its module is an assembly); Java and Python the short name and the module.
    private static string? QualifiedType(JsonElement exception)
    {
        var type = Str(exception, "type");
        var module = Str(exception, "module");
        return type is null || type.Contains('.', StringComparison.Ordinal) || module is not { Length: > 0 }
            || module.Contains(',', StringComparison.Ordinal) || module.Contains(' ', StringComparison.Ordinal) || module is "builtins" or "__main__"
            ? type
            : module + "." + type;
    }

    private static IReadOnlyList<ErrorFrame> Frames(JsonElement exception)
    {
        if (exception.ValueKind != JsonValueKind.Object
            || !exception.TryGetProperty("stacktrace", out var stacktrace) || stacktrace.ValueKind != JsonValueKind.Object
            || !stacktrace.TryGetProperty("frames", out var frames) || frames.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<ErrorFrame>();
        foreach (var frame in frames.EnumerateArray())
        {
            if (frame.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            int? line = frame.TryGetProperty("lineno", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var n) ? n : null;
            var inApp = frame.TryGetProperty("in_app", out var a) && a.ValueKind == JsonValueKind.True;
            // package is an assembly's full name (.NET): its version would change the frame with every upgrade.
            list.Add(new ErrorFrame(Limits.Clip(Str(frame, "module") ?? Str(frame, "package")?.Split(',')[0], Limits.Name), Limits.Clip(Str(frame, "function"), Limits.Name),
                Limits.Clip(Str(frame, "filename") ?? Str(frame, "abs_path"), Limits.Name), line, inApp));
        }

        // The frames nearest the throw are the ones that matter when there are too many.
        return list.Count > Limits.Frames ? list[^Limits.Frames..] : list;
    }

    private static Dictionary<string, string> Tags(JsonElement root)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("tags", out var value))
        {
            return tags;
        }

        IEnumerable<(string?, JsonElement)> pairs = value.ValueKind switch
        {
            JsonValueKind.Object => value.EnumerateObject().Select(p => ((string?)p.Name, p.Value)),
            JsonValueKind.Array => value.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 2 && p[0].ValueKind == JsonValueKind.String)
                .Select(p => (p[0].GetString(), p[1])),
            _ => [],
        };
        foreach (var (name, tag) in pairs)
        {
            if (tags.Count == Limits.Tags || name is not { Length: > 0 })
            {
                continue;
            }

            var text = tag.ValueKind switch
            {
                JsonValueKind.String => tag.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => tag.GetRawText(),
                _ => null,
            };
            if (text is not null)
            {
                tags[Limits.Clip(name, Limits.Name)!] = Limits.Clip(text, Limits.Name)!;
            }
        }

        return tags;
    }

    private static List<string>? Fingerprint(JsonElement root)
    {
        if (!root.TryGetProperty("fingerprint", out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var parts = value.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => Limits.Clip(p.GetString(), Limits.Name)!).Take(Limits.Tags).ToList();
        return parts.Count > 0 ? parts : null;
    }

    private static string? Request(JsonElement root)
    {
        if (!root.TryGetProperty("request", out var request) || request.ValueKind != JsonValueKind.Object || Str(request, "url") is not { } url)
        {
            return null;
        }

        var withoutQuery = url.Split('?', '#')[0];
        return Limits.Clip((Str(request, "method") is { } method ? method.ToUpperInvariant() + " " : "") + withoutQuery, Limits.Name);
    }
}
