using System.Globalization;
using System.Text.Json;

namespace Vigil.Server.Http;

/// <summary>
/// The one rule for the text a request brings — JSON bodies, labels and job ids, query strings:
/// no NUL character (PostgreSQL's text cannot hold U+0000, and no name, note or label needs one),
/// no lone UTF-16 surrogate, and in a JSON object each member once. The problems are worded here
/// and nowhere else, so every endpoint refuses bad text the same way.
/// </summary>
internal static class ValidText
{
    /// <summary>Why text holding U+0000 is refused, as JSON writes the character.</summary>
    public const string NulMessage = NulProblem + " (\\u0000)";

    /// <summary>Why a query string holding <c>%00</c> is refused, as a URL writes the character.</summary>
    public const string NulInQueryMessage = NulProblem + " (%00)";

    /// <summary>Why a JSON string that is not valid UTF-16 is refused.</summary>
    public const string LoneSurrogateMessage = "is not valid text: it holds a lone UTF-16 surrogate (such as \\ud800)";

    private const string NulProblem = "is not valid text: it holds a NUL character";

    /// <summary>Whether <paramref name="text"/> holds a NUL character.</summary>
    public static bool HoldsNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// The first problem that stops a JSON document from being read as text: a string or member
    /// name that is not valid UTF-16 (a lone surrogate such as <c>"\ud800"</c>) or holds a NUL
    /// (<c>"\u0000"</c>), or a member that appears twice in one object (a body says once what it
    /// means). The field is the JSON path (<c>labels.route</c>, <c>points[0]</c>, <c>$</c> for the
    /// document). Null when none.
    /// </summary>
    public static (string Field, string Message)? FindProblem(JsonElement element) => FindProblem(element, "");

    private static (string Field, string Message)? FindProblem(JsonElement element, string path)
    {
        var here = path.Length == 0 ? "$" : path;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = member.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return (here, $"has a member name that {LoneSurrogateMessage}");
                    }

                    if (HoldsNul(name))
                    {
                        return (here, $"has a member name that {NulMessage}");
                    }

                    var field = path.Length == 0 ? name : $"{path}.{name}";
                    if (!names.Add(name))
                    {
                        return (field, $"'{field}' appears more than once.");
                    }

                    if (FindProblem(member.Value, field) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindProblem(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]")) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            case JsonValueKind.String:
                try
                {
                    return HoldsNul(element.GetString()) ? (here, NulMessage) : null;
                }
                catch (InvalidOperationException)
                {
                    return (here, LoneSurrogateMessage);
                }

            default:
                return null;
        }
    }
}
