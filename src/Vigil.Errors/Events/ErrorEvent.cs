namespace Vigil.Errors.Events;

/// <summary>
/// One error as Vigil keeps it, whatever sent it (a Sentry SDK, an OTLP span's <c>exception</c>
/// event): the exception, its frames, where it happened, and tags. Readers fill it from the wire;
/// <see cref="Issues.ErrorIntake"/> scrubs it, hashes the user and groups it into an issue. It never
/// holds request bodies, cookies, headers or query strings: the readers do not copy them.
/// </summary>
/// <param name="EventId">32 lowercase hex digits (Sentry's <c>event_id</c>, or derived from the span and event for OTLP).</param>
/// <param name="TimestampMs">When it happened, Unix milliseconds.</param>
/// <param name="Level">fatal, error, warning, info or debug.</param>
/// <param name="Source">sentry or otlp.</param>
public sealed record ErrorEvent(string EventId, long TimestampMs, string Level, string Source)
{
    /// <summary>The exception's type (<c>System.InvalidOperationException</c>), or null for a message.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The exception's message.</summary>
    public string? ExceptionValue { get; init; }

    /// <summary>A logged message (events without an exception), or null.</summary>
    public string? Message { get; init; }

    /// <summary>The stack frames, outermost first and the frame that threw last (Sentry's order).</summary>
    public IReadOnlyList<ErrorFrame> Frames { get; init; } = [];

    /// <summary>The application's release (version), or null.</summary>
    public string? Release { get; init; }

    /// <summary>The deployment environment (production, staging), or null.</summary>
    public string? Environment { get; init; }

    /// <summary>The service that raised it, or null.</summary>
    public string? Service { get; init; }

    /// <summary>The route or transaction it happened in, or null.</summary>
    public string? Transaction { get; init; }

    /// <summary>The user as sent (an id, an email, a name): only until the intake hashes it; never stored.</summary>
    public string? User { get; init; }

    /// <summary>The user's salted SHA-256 hash (hex), set by the intake.</summary>
    public string? UserHash { get; init; }

    /// <summary>Tags (names and values, scrubbed).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>An explicit fingerprint (Sentry's <c>fingerprint</c>; <c>{{ default }}</c> stands for Vigil's own), or null.</summary>
    public IReadOnlyList<string>? Fingerprint { get; init; }

    /// <summary>The trace it happened in (32 hex digits), or null.</summary>
    public string? TraceId { get; init; }

    /// <summary>The platform (csharp, java, python, …), or null.</summary>
    public string? Platform { get; init; }

    /// <summary>The request's method and URL without its query string, or null.</summary>
    public string? Request { get; init; }
}

/// <summary>One stack frame.</summary>
/// <param name="Module">The module, class or namespace (<c>Shop.Orders.OrderService</c>).</param>
/// <param name="Function">The function or method.</param>
/// <param name="FileName">The file.</param>
/// <param name="LineNo">The line, which grouping ignores.</param>
/// <param name="InApp">Whether the frame is the application's own code (not a library's or the runtime's).</param>
public sealed record ErrorFrame(string? Module, string? Function, string? FileName, int? LineNo, bool InApp);
