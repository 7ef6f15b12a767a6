using Vigil.Core.Queries;

namespace Vigil.Server.Http;

/// <summary>Parses times and durations in query strings (<see cref="QueryText"/>) and the time range of list queries.</summary>
internal static class QueryParsing
{
    /// <summary>The problem of a time <see cref="TryParseTime"/> refuses.</summary>
    public const string TimeProblem = QueryText.TimeProblem;

    /// <summary>An ISO-8601 time or Unix seconds (fractions allowed), from 1970-01-01 to 9999-01-01.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time) => QueryText.TryParseTime(text, out time);

    /// <summary>A duration such as <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>, or plain seconds.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration) => QueryText.TryParseDuration(text, out duration);

    /// <summary>
    /// Reads the optional <c>from</c> and <c>to</c> of a list query as Unix milliseconds; a
    /// malformed one adds a problem to <paramref name="errors"/> under its name.
    /// </summary>
    public static (long? FromMs, long? ToMs) ReadTimeRange(IQueryCollection query, Dictionary<string, string[]> errors)
    {
        long? Read(string name)
        {
            if (query[name].Count == 0)
            {
                return null;
            }

            if (TryParseTime(query[name], out var time))
            {
                return time.ToUnixTimeMilliseconds();
            }

            errors[name] = [TimeProblem];
            return null;
        }

        return (Read("from"), Read("to"));
    }
}
