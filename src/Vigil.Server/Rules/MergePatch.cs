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
    /// The first member that appears twice in one object, as a field path (<c>labels.team</c>), or
    /// null. A patch must say once what it changes.
    /// </summary>
    public static string? FindDuplicate(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in element.EnumerateObject())
                {
                    var field = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    if (!names.Add(member.Name))
                    {
                        return field;
                    }

                    if (FindDuplicate(member.Value, field) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindDuplicate(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{index++}]")) is { } nested)
                    {
                        return nested;
                    }
                }

                return null;
            default:
                return null;
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
