using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// The malformed variants of one valid request: every field of its JSON body (each property at
/// any depth, the first element of each array) replaced by a wrong type, an extreme or huge
/// number, a NaN-like value, a lone surrogate, control characters, a huge string or deep
/// nesting, removed, or repeated as a duplicate key; an unknown field in every object; bodies
/// that are not JSON at all; every query parameter with hostile values; every path parameter
/// with hostile ids. Values are spliced in as raw JSON text, so they can be what a JSON
/// serializer would never write (<c>"\ud800"</c>, <c>NaN</c>, duplicate keys).
/// </summary>
internal static class MalformedInput
{
    private static readonly string HugeString = new('x', 300_000);

    /// <summary>Raw JSON values put in place of each field.</summary>
    public static readonly string[] Values =
    [
        "null", "true", "0", "-1", "-0", "1.5", "1e308", "-1e308", "1.7976931348623157e308", "4.9e-324", "1e-400",
        "123456789012345678901234567890", "-123456789012345678901234567890", "NaN", "Infinity", "\"NaN\"", "\"-Infinity\"",
        "\"\"", "\" \"", "\"\\ud800\"", "\"a\\udc00b\"", "\"a\\u0000b\\r\\nc\\u001b[31md\\u007f\"", "\"😀\"",
        "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"../../etc/passwd\"", "\"<script>alert(1)</script>\"",
        $"\"{HugeString}\"", "[]", "[null]", "[1,\"a\",{}]", "{}", "{\"a\":{\"b\":[1]}}",
        new string('[', 70) + new string(']', 70),
    ];

    /// <summary>Whole bodies that are not the expected JSON object.</summary>
    public static readonly string[] Bodies =
    [
        "", " ", "null", "[]", "[{}]", "\"text\"", "42", "true", "{", "{\"a\":", "{\"a\" 1}", "abc", "{}", "{\"\\ud800\":1}",
        "{'single':1}", "{\"a\":1,}", "\u00ef\u00bb\u00bf{}", string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70),
    ];

    /// <summary>Values given to each query parameter (already URL-encoded).</summary>
    public static readonly string[] QueryValues =
    [
        "", "abc", "0", "-1", "1.5", "1e308", "NaN", "Infinity", "99999999999999999999", "-99999999999999999999",
        "0001-01-01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "253402300800", "-62135596801", "%ED%A0%80", "%00",
        "%0D%0Aset-cookie:x", "%F0%9F%98%80", "true", "%5B%5D", new string('a', 10_000),
    ];

    /// <summary>
    /// Values given to each path parameter (already URL-encoded). Not <c>%00</c>: Kestrel answers a
    /// path with a NUL itself, before Vigil sees it, and the in-process test host cannot send one.
    /// </summary>
    public static readonly string[] PathValues =
    [
        "x", "0", "-1", "99999999999999999999", "%ED%A0%80", "%2e%2e", "a%2Fb", "%20", "%F0%9F%98%80",
        "%27%20OR%201%3D1--", new string('a', 3_000),
    ];

    /// <summary>The body with the field at <paramref name="path"/> replaced by raw JSON text, or removed when it is null.</summary>
    public static string Replace(JsonNode body, IReadOnlyList<object> path, string? raw) => Write(body, path, 0, raw is null ? Edit.Remove : Edit.Replace, raw);

    /// <summary>The body with the field at <paramref name="path"/> written twice (its value, then <c>null</c>).</summary>
    public static string Duplicate(JsonNode body, IReadOnlyList<object> path) => Write(body, path, 0, Edit.Duplicate, null);

    /// <summary>The body with an unknown field added to the object at <paramref name="path"/>.</summary>
    public static string AddUnknown(JsonNode body, IReadOnlyList<object> path) => Write(body, path, 0, Edit.AddUnknown, null);

    /// <summary>Every property path (object keys as strings, array indexes as ints), parents before children.</summary>
    public static IEnumerable<IReadOnlyList<object>> Fields(JsonNode? node, List<object>? prefix = null)
    {
        prefix ??= [];
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    List<object> path = [.. prefix, key];
                    yield return path;
                    foreach (var child in Fields(value, path))
                    {
                        yield return child;
                    }
                }

                break;
            case JsonArray { Count: > 0 } array:
                List<object> first = [.. prefix, 0];
                yield return first;
                foreach (var child in Fields(array[0], first))
                {
                    yield return child;
                }

                break;
        }
    }

    /// <summary>The paths of every object in the body, the root first.</summary>
    public static IEnumerable<IReadOnlyList<object>> Objects(JsonNode body) =>
        new[] { (IReadOnlyList<object>)[] }.Concat(Fields(body).Where(p => At(body, p) is JsonObject));

    public static string Describe(IReadOnlyList<object> path) =>
        path.Count == 0 ? "(body)" : string.Concat(path.Select((p, i) => p is int n ? $"[{n}]" : (i == 0 ? "" : ".") + p));

    private static JsonNode? At(JsonNode body, IReadOnlyList<object> path)
    {
        var node = body;
        foreach (var step in path)
        {
            node = step is int i ? node!.AsArray()[i] : node!.AsObject()[(string)step];
        }

        return node;
    }

    private enum Edit
    {
        Replace,
        Remove,
        Duplicate,
        AddUnknown,
    }

    private static string Write(JsonNode? node, IReadOnlyList<object> path, int depth, Edit edit, string? raw)
    {
        var builder = new StringBuilder();
        Write(builder, node, path, depth, edit, raw);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, JsonNode? node, IReadOnlyList<object> path, int depth, Edit edit, string? raw)
    {
        var onPath = depth < path.Count;
        switch (node)
        {
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    var target = onPath && path[depth] is string name && name == key;
                    var last = target && depth == path.Count - 1;
                    if (last && edit == Edit.Remove)
                    {
                        continue;
                    }

                    Separate(builder, ref first);
                    builder.Append(JsonValue.Create(key).ToJsonString()).Append(':');
                    if (last && edit == Edit.Replace)
                    {
                        builder.Append(raw);
                    }
                    else
                    {
                        Write(builder, value, target ? path : [], target ? depth + 1 : int.MaxValue, edit, raw);
                    }

                    if (last && edit == Edit.Duplicate)
                    {
                        builder.Append(',').Append(JsonValue.Create(key).ToJsonString()).Append(":null");
                    }
                }

                if (!onPath && depth == path.Count && edit == Edit.AddUnknown)
                {
                    Separate(builder, ref first);
                    builder.Append("\"unknownField\":1");
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    var target = onPath && path[depth] is int index && index == i;
                    var last = target && depth == path.Count - 1;
                    if (last && edit == Edit.Remove)
                    {
                        continue;
                    }

                    if (builder[^1] != '[')
                    {
                        builder.Append(',');
                    }

                    if (last && edit == Edit.Replace)
                    {
                        builder.Append(raw);
                    }
                    else
                    {
                        Write(builder, array[i], target ? path : [], target ? depth + 1 : int.MaxValue, edit, raw);
                    }

                    if (last && edit == Edit.Duplicate)
                    {
                        builder.Append(",null");
                    }
                }

                builder.Append(']');
                break;
            default:
                builder.Append(node?.ToJsonString() ?? "null");
                break;
        }
    }

    private static void Separate(StringBuilder builder, ref bool first)
    {
        if (!first)
        {
            builder.Append(',');
        }

        first = false;
    }
}
