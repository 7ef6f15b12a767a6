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
