using System.Globalization;
using Vigil.Storage.Errors;

namespace Vigil.Dashboard.Issues;

/// <summary>The issue list's filter as read from the query string: the query, or what is wrong with it.</summary>
/// <param name="Query">The storage query (null when <paramref name="Errors"/> has entries).</param>
/// <param name="Errors">A message per bad parameter.</param>
public sealed record IssueListQuery(IssueQuery? Query, IReadOnlyDictionary<string, string> Errors);

/// <summary>Limits, parsing and wording shared by the issue pages.</summary>
public static class IssuePages
{
    /// <summary>An id longer than this is not an issue's.</summary>
    public const int MaxIdLength = 100;

    /// <summary>A filter value longer than this is refused.</summary>
    public const int MaxValueLength = 200;

    /// <summary>The issues one page lists.</summary>
    public const int PageSize = 50;

    /// <summary>The furthest page (as an offset).</summary>
    public const int MaxOffset = 1_000_000;

    /// <summary>The <c>state</c> that lists every state (the list shows unresolved issues without one).</summary>
    public const string AllStates = "all";

    /// <summary>The sort orders, by their query-string value, with their labels.</summary>
    public static readonly IReadOnlyList<(string Value, IssueSort Sort, string Label)> Sorts =
    [
        ("lastSeen", IssueSort.LastSeen, "last seen"),
        ("count", IssueSort.Count, "events"),
        ("firstSeen", IssueSort.FirstSeen, "first seen"),
    ];

    /// <summary>The states a list can show: each state, then all.</summary>
    public static IEnumerable<string> StateChoices => [.. IssueStates.All, AllStates];

    /// <summary>
    /// Reads <c>state</c> (unresolved by default; <c>all</c>), <c>service</c>, <c>release</c>,
    /// <c>query</c> (in the title or culprit), <c>sort</c> (lastSeen, count, firstSeen) and
    /// <c>offset</c>; other parameters are ignored.
    /// </summary>
    public static IssueListQuery Parse(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        string? One(string name) => QueryFilters.One(query, name, MaxValueLength, errors);

        string? state = IssueStates.Unresolved;
        if (One("state") is { } s)
        {
            state = s == AllStates ? null : IssueStates.All.FirstOrDefault(x => x == s);
            if (s != AllStates && state is null)
            {
                errors["state"] = $"must be one of {string.Join(", ", StateChoices)}";
            }
        }

        var sort = IssueSort.LastSeen;
        if (One("sort") is { } so)
        {
            if (Sorts.FirstOrDefault(x => x.Value == so) is { Value: not null } known)
            {
                sort = known.Sort;
            }
            else
            {
                errors["sort"] = $"must be one of {string.Join(", ", Sorts.Select(x => x.Value))}";
            }
        }

        var offset = 0;
        if (One("offset") is { } o && (!int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > MaxOffset))
        {
            errors["offset"] = $"must be a whole number from 0 to {MaxOffset}";
        }

        var filter = new IssueQuery(state, One("service"), One("release"), One("query"), sort, PageSize, offset);
        return new IssueListQuery(errors.Count > 0 ? null : filter, errors);
    }

    /// <summary>The badge class of an issue's state (unresolved red, resolved green, ignored grey; the word is shown too).</summary>
    public static string StateClass(string state) => state switch
    {
        IssueStates.Unresolved => "badge st-firing",
        IssueStates.Resolved => "badge st-resolved",
        _ => "badge st-silenced",
    };

    /// <summary>The badge class of an event's level.</summary>
    public static string LevelClass(string level) => level switch
    {
        "fatal" => "badge sev-critical",
        "error" => "badge sev-error",
        "warning" => "badge sev-warning",
        _ => "badge sev-info",
    };

    /// <summary>A count of users ("12", or "10000+" at the cap).</summary>
    public static string Users(long count, bool capped) => count.ToString(CultureInfo.InvariantCulture) + (capped ? "+" : "");
}
