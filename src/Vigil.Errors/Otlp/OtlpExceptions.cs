using System.Security.Cryptography;
using System.Text;
using Vigil.Errors.Events;

namespace Vigil.Errors.Otlp;

/// <summary>
/// An OTLP span's <c>exception</c> event (semantic conventions: <c>exception.type</c>,
/// <c>exception.message</c>, <c>exception.stacktrace</c>) as an <see cref="ErrorEvent"/>: the span's
/// service, its transaction's route, its trace, and the resource's <c>service.version</c> and
/// <c>deployment.environment</c> as release and environment. Its id derives from the trace, span
/// and event, so an export sent again is counted once.
/// </summary>
internal static class OtlpExceptions
{
    /// <summary>The event's name in the semantic conventions.</summary>
    public const string EventName = "exception";

    /// <summary>The error of an <c>exception</c> event, or null when it names no type and no message.</summary>
    public static ErrorEvent? From(string traceId, string spanId, int eventIndex, ulong timeUnixNano, string service, string? route,
        IReadOnlyDictionary<string, string> eventAttributes, IReadOnlyDictionary<string, string> spanAttributes)
    {
        ArgumentNullException.ThrowIfNull(eventAttributes);
        ArgumentNullException.ThrowIfNull(spanAttributes);
        var type = eventAttributes.GetValueOrDefault("exception.type");
        var message = eventAttributes.GetValueOrDefault("exception.message");
        if (string.IsNullOrEmpty(type) && string.IsNullOrEmpty(message))
        {
            return null;
        }

        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{traceId}/{spanId}/{eventIndex}")))[..32];
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (string[])["http.request.method", "http.response.status_code", "db.system", "code.function", "code.namespace"])
        {
            if (spanAttributes.GetValueOrDefault(name) is { Length: > 0 } value)
            {
                tags[name] = Limits.Clip(value, Limits.Name)!;
            }
        }

        return new ErrorEvent(id, (long)(timeUnixNano / 1_000_000), "error", "otlp")
        {
            ExceptionType = Limits.Clip(type, Limits.Name),
            ExceptionValue = Limits.Clip(message, Limits.Text),
            Frames = StackTraceText.Parse(eventAttributes.GetValueOrDefault("exception.stacktrace")),
            Service = Limits.Clip(service, Limits.Name),
            Transaction = Limits.Clip(route, Limits.Name),
            Release = Limits.Clip(spanAttributes.GetValueOrDefault("service.version"), Limits.Name),
            Environment = Limits.Clip(spanAttributes.GetValueOrDefault("deployment.environment.name") ?? spanAttributes.GetValueOrDefault("deployment.environment"), Limits.Name),
            User = spanAttributes.GetValueOrDefault("enduser.id") ?? spanAttributes.GetValueOrDefault("user.id"),
            TraceId = traceId,
            Tags = tags,
        };
    }
}
