using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Vigil.Client;

/// <summary>
/// Writes a captured exception as a Sentry event (develop.sentry.dev/sdk/event-payloads), the
/// format Vigil's envelope endpoint groups into issues: the exception and its inner ones (the
/// thrown one last), each with its stack frames, oldest call first, marked in-app unless their
/// assembly is .NET's, ASP.NET Core's or this client's; file names without their directories and
/// line numbers when the application ships its symbols. The event carries the release, the
/// environment, the service (a tag), the user id (Vigil keeps only its hash), the route of the
/// request it happened in and the trace it belongs to — never the request's URL, headers,
/// cookies or body.
/// </summary>
internal static class ErrorEventWriter
{
    /// <summary>The longest release, environment, service, tag or route sent (Vigil's own limit for names).</summary>
    public const int MaxNameLength = 200;

    /// <summary>The most tags an event carries (Vigil keeps 50).</summary>
    public const int MaxTags = 50;

    /// <summary>The most exceptions of a chain sent (the thrown one and its inner ones).</summary>
    public const int MaxChain = 5;

    /// <summary>The most frames sent per exception, the ones nearest the throw (Vigil keeps 100).</summary>
    public const int MaxFrames = 100;

    private const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    private static readonly string[] FrameworkPrefixes = ["System.", "Microsoft."];
    private static readonly string[] FrameworkAssemblies = ["System", "mscorlib", "netstandard", "Vigil.Client"];

    /// <summary>The event's facts besides the exception.</summary>
    public readonly record struct Context(
        string EventId, DateTimeOffset Timestamp, string Service, string? Release, string? Environment, string? UserId,
        IReadOnlyDictionary<string, string>? Tags, string? Transaction, Activity? Activity);

    /// <summary>Writes the event.</summary>
    public static byte[] Write(Exception exception, in Context context)
    {
        var output = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("event_id", context.EventId);
            writer.WriteString("timestamp", context.Timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture));
            writer.WriteString("platform", "csharp");
            writer.WriteString("level", "error");
            writer.WriteString("logger", VigilClientOptions.ActivitySourceName);
            WriteIfPresent(writer, "release", context.Release);
            WriteIfPresent(writer, "environment", context.Environment);
            WriteIfPresent(writer, "transaction", context.Transaction);
            WriteTags(writer, context.Service, context.Tags);
            if (context.UserId is { Length: > 0 } user)
            {
                writer.WriteStartObject("user");
                writer.WriteString("id", Clip(user));
                writer.WriteEndObject();
            }

            if (context.Activity is { } activity)
            {
                writer.WriteStartObject("contexts");
                writer.WriteStartObject("trace");
                writer.WriteString("trace_id", activity.TraceId.ToHexString());
                writer.WriteString("span_id", activity.SpanId.ToHexString());
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteStartObject("sdk");
            writer.WriteString("name", "vigil.dotnet");
            writer.WriteString("version", typeof(ErrorEventWriter).Assembly.GetName().Version?.ToString() ?? "0");
            writer.WriteEndObject();

            writer.WriteStartObject("exception");
            writer.WriteStartArray("values");
            foreach (var link in Chain(exception))
            {
                WriteException(writer, link);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Whether a frame's assembly is the application's (not .NET's, ASP.NET Core's or this client's).</summary>
    public static bool IsInApp(Assembly? assembly)
    {
        var name = assembly?.GetName().Name;
        return name is not null
            && !FrameworkAssemblies.Contains(name, StringComparer.Ordinal)
            && !FrameworkPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>The exception and its inner ones, innermost first (Sentry's order: the one thrown last is last).</summary>
    private static List<Exception> Chain(Exception exception)
    {
        var chain = new List<Exception>();
        for (Exception? current = exception; current is not null && chain.Count < MaxChain; current = Inner(current))
        {
            chain.Add(current);
        }

        chain.Reverse();
        return chain;
    }

    private static Exception? Inner(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : exception.InnerException;

    private static void WriteException(Utf8JsonWriter writer, Exception exception)
    {
        var type = exception.GetType();
        writer.WriteStartObject();
        writer.WriteString("type", type.FullName ?? type.Name);
        writer.WriteString("value", exception.Message);
        WriteIfPresent(writer, "module", type.Assembly.GetName().Name);
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        if (frames.Length > 0)
        {
            writer.WriteStartObject("stacktrace");
            writer.WriteStartArray("frames");

            // StackTrace lists the throw first; Sentry the outermost call first. The frames nearest the throw are kept.
            for (var i = Math.Min(frames.Length, MaxFrames) - 1; i >= 0; i--)
            {
                WriteFrame(writer, frames[i]);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteFrame(Utf8JsonWriter writer, StackFrame frame)
    {
        var method = frame.GetMethod();
        writer.WriteStartObject();
        WriteIfPresent(writer, "module", method?.DeclaringType?.FullName);
        WriteIfPresent(writer, "function", method?.Name);
        if (frame.GetFileName() is { Length: > 0 } file)
        {
            writer.WriteString("filename", Path.GetFileName(file)); // the build machine's directories are nobody's business
        }

        if (frame.GetFileLineNumber() is > 0 and var line)
        {
            writer.WriteNumber("lineno", line);
        }

        if (frame.GetFileColumnNumber() is > 0 and var column)
        {
            writer.WriteNumber("colno", column);
        }

        writer.WriteBoolean("in_app", IsInApp(method?.DeclaringType?.Assembly));
        writer.WriteEndObject();
    }

    private static void WriteTags(Utf8JsonWriter writer, string service, IReadOnlyDictionary<string, string>? tags)
    {
        writer.WriteStartObject("tags");
        writer.WriteString("service", Clip(service));
        if (tags is not null)
        {
            // Each member once: Vigil refuses a JSON object that names one twice (two long keys may clip alike).
            var written = new HashSet<string>(StringComparer.Ordinal) { "service" };
            foreach (var (key, value) in tags)
            {
                if (written.Count == MaxTags)
                {
                    break;
                }

                if (!string.IsNullOrEmpty(key) && value is not null && written.Add(Clip(key)))
                {
                    writer.WriteString(Clip(key), Clip(value));
                }
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is { Length: > 0 })
        {
            writer.WriteString(name, Clip(value));
        }
    }

    private static string Clip(string text) => text.Length > MaxNameLength ? text[..MaxNameLength] : text;
}
