using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Server.Rules;

/// <summary>JSON merge patch (RFC 7396): what a patch names changes, <c>null</c> removes, the rest stays.</summary>
internal static class MergePatch
{
    /// <summary>
    /// Applies <paramref name="patch"/> to a copy of <paramref name="target"/>. Top-level member
    /// names match case-insensitively, as the API reads them; nested ones (label names) exactly.
    /// </summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Apply(target, patch, ignoreCase: true);

    /// <summary>
    /// The first problem that would stop the body from being read as text: a string or member
    /// name that is not valid UTF-16 (a lone surrogate such as <c>"\ud800"</c>) or holds a NUL
    /// (<c>"\u0000"</c>), and, with
    /// <paramref name="duplicates"/>, a member that appears twice in one object (a patch must say
    /// once what it changes). Null when none.
    /// </summary>
    public static (string Field, string Message)? FindProblem(JsonElement element, bool duplicates) =>
        FindProblem(element, duplicates, "") is ({ } field, { } message) ? (field, message == DuplicateMessage ? $"'{field}' appears more than once." : message) : null;

    private const string DuplicateMessage = "duplicate";

    private const string InvalidTextMessage = "is not valid text: it holds a lone UTF-16 surrogate (such as \\ud800)";

    // PostgreSQL's text cannot hold U+0000, and no name, note or label needs it.
    private const string NulMessage = "is not valid text: it holds a NUL character (\\u0000)";

    private static (string? Field, string? Message) FindProblem(JsonElement element, bool duplicates, string path)
    {
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
                        return (path.Length == 0 ? "$" : path, $"has a member name that {InvalidTextMessage}");
                    }

                    var field = path.Length == 0 ? name : $"{path}.{name}";
                    if (name.Contains('\0', StringComparison.Ordinal))
                    {
                        return (path.Length == 0 ? "$" : path, $"has a member name that {NulMessage}");
                    }

                    if (!names.Add(name) && duplicates)
                    {
                        return (field, DuplicateMessage);
                    }

                    if (FindProblem(member.Value, duplicates, field) is ({ } nested, var message))
                    {
                        return (nested, message);
                    }
                }

                return default;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindProblem(item, duplicates, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]")) is ({ } nested, var message))
                    {
                        return (nested, message);
                    }
                }

                return default;
            case JsonValueKind.String:
                try
                {
                    return element.GetString()!.Contains('\0', StringComparison.Ordinal) ? (path.Length == 0 ? "$" : path, NulMessage) : default;
                }
                catch (InvalidOperationException)
                {
                    return (path.Length == 0 ? "$" : path, InvalidTextMessage);
                }

            default:
                return default;
        }
    }

    private static JsonNode? Apply(JsonNode? target, JsonNode? patch, bool ignoreCase)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            var existing = ignoreCase
                ? result.FirstOrDefault(member => string.Equals(member.Key, name, StringComparison.OrdinalIgnoreCase)).Key ?? name
                : name;
            if (value is null)
            {
                result.Remove(existing);
                continue;
            }

            var merged = Apply(result[existing], value, ignoreCase: false);
            result.Remove(existing);
            result[name] = merged;
        }

        return result;
    }
}
