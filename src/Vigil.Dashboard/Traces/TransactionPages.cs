using System.Globalization;
using Vigil.Otlp.Traces;
using Vigil.Storage.Traces;

namespace Vigil.Dashboard.Traces;

/// <summary>The transaction list's filter as read from the query string: the query, or what is wrong with it.</summary>
/// <param name="Query">The storage query (null when <paramref name="Errors"/> has entries).</param>
/// <param name="Errors">A message per bad parameter.</param>
public sealed record TransactionListQuery(TransactionQuery? Query, IReadOnlyDictionary<string, string> Errors);

/// <summary>Limits and parsing shared by the transaction and trace pages.</summary>
public static class TransactionPages
{
    /// <summary>A filter value longer than this is refused.</summary>
    public const int MaxValueLength = 200;

    /// <summary>The most transactions one list shows.</summary>
    public const int ListLimit = 200;

    /// <summary>The time ranges a list can show (the latest ones), by their query-string value; none: every kept transaction.</summary>
    public static readonly IReadOnlyList<(string Value, TimeSpan Span, string Label)> Ranges =
    [
        ("15m", TimeSpan.FromMinutes(15), "last 15 minutes"),
        ("1h", TimeSpan.FromHours(1), "last hour"),
        ("6h", TimeSpan.FromHours(6), "last 6 hours"),
        ("24h", TimeSpan.FromHours(24), "last 24 hours"),
        ("7d", TimeSpan.FromDays(7), "last 7 days"),
    ];

    /// <summary>
    /// Reads <c>service</c>, <c>route</c> (a route or span name, exactly), <c>minDurationMs</c>,
    /// <c>status</c> (ok or error) and <c>range</c> (<see cref="Ranges"/>) as of <paramref name="now"/>;
    /// other parameters are ignored.
    /// </summary>
    public static TransactionListQuery Parse(IQueryCollection query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        string? One(string name) => QueryFilters.One(query, name, MaxValueLength, errors);

        if (!TransactionFilters.TryParseMinDuration(One("minDurationMs"), out var minDurationMs))
        {
            errors["minDurationMs"] = TransactionFilters.MinDurationProblem;
        }

        if (!TransactionFilters.TryParseStatus(One("status"), out var error))
        {
            errors["status"] = TransactionFilters.StatusProblem;
        }

        long? fromNs = null;
        if (One("range") is { } r)
        {
            if (Ranges.FirstOrDefault(x => x.Value == r) is { Value: not null } range)
            {
                fromNs = (now - range.Span).ToUnixTimeMilliseconds() * 1_000_000;
            }
            else
            {
                errors["range"] = $"must be one of {string.Join(", ", Ranges.Select(x => x.Value))}";
            }
        }

        var filter = new TransactionQuery(One("service"), One("route"), minDurationMs, error, fromNs, null, ListLimit);
        return new TransactionListQuery(errors.Count > 0 ? null : filter, errors);
    }

    /// <summary>Whether <paramref name="traceId"/> is a W3C trace id (32 hex digits).</summary>
    public static bool IsTraceId(string? traceId) => traceId is { Length: 32 } && traceId.All(char.IsAsciiHexDigit);

    /// <summary>The first 8 characters of a trace id and an ellipsis, for a link's text.</summary>
    public static string ShortId(string id) => id is { Length: > 8 } ? id[..8] + "…" : id;

    /// <summary>A duration as the pages show it ("120 ms", "0.35 ms", "2.4 s").</summary>
    public static string Duration(double ms) =>
        !double.IsFinite(ms) ? "—"
        : ms >= 10_000 ? (ms / 1000).ToString("0.#", CultureInfo.InvariantCulture) + " s"
        : ms >= 100 ? ms.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : ms.ToString("0.##", CultureInfo.InvariantCulture) + " ms";
}
