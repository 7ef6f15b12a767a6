using System.Globalization;
using System.Text.Json;

namespace Vigil.Monitoring.Definitions;

/// <summary>
/// A small JSONPath subset for conditions on a response body: a path to one value, from the root
/// <c>$</c> through member names (<c>.status</c>, <c>['a key']</c>) and array indexes
/// (<c>[0]</c>, <c>[-1]</c> for the last). No wildcards, filters, slices or recursive descent:
/// a condition names one value. Examples: <c>$.status</c>, <c>$.checks[0].state</c>,
/// <c>$['service-name'].ok</c>.
/// </summary>
public sealed class JsonPathExpression
{
    private readonly Segment[] _segments;

    private JsonPathExpression(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>Parses an expression; the error says what is wrong and where.</summary>
    public static bool TryParse(string? text, out JsonPathExpression? expression, out string? error)
    {
        expression = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text) || text[0] != '$')
        {
            error = "A JSON path starts with '$' (the root), e.g. $.status or $.checks[0].state.";
            return false;
        }

        var segments = new List<Segment>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '-' or '$'))
                {
                    i++;
                }

                if (i == start)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"Expected a member name after '.' at position {start + 1} (use ['name'] for other characters; wildcards are not supported).");
                    return false;
                }

                segments.Add(new Segment(text[start..i], null));
            }
            else if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"The '[' at position {i + 1} is not closed.");
                    return false;
                }

                var inner = text[(i + 1)..close].Trim();
                if (inner.Length >= 2 && (inner[0] is '\'' or '"') && inner[^1] == inner[0])
                {
                    segments.Add(new Segment(inner[1..^1], null));
                }
                else if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                {
                    segments.Add(new Segment(null, index));
                }
                else
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"'[{inner}]' at position {i + 1} is neither an index like [0] nor a quoted name like ['name'] (wildcards, filters and slices are not supported).");
                    return false;
                }

                i = close + 1;
            }
            else
            {
                error = string.Create(CultureInfo.InvariantCulture, $"Unexpected '{text[i]}' at position {i + 1}: expected '.' or '['.");
                return false;
            }
        }

        expression = new JsonPathExpression(text, [.. segments]);
        return true;
    }

    /// <summary>The value the path names in <paramref name="root"/>, or false when there is none.</summary>
    public bool TryFind(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var segment in _segments)
        {
            if (segment.Name is { } name)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                {
                    return false;
                }
            }
            else
            {
                if (value.ValueKind != JsonValueKind.Array)
                {
                    return false;
                }

                var length = value.GetArrayLength();
                var index = segment.Index!.Value < 0 ? length + segment.Index.Value : segment.Index.Value;
                if (index < 0 || index >= length)
                {
                    return false;
                }

                value = value[index];
            }
        }

        return true;
    }

    /// <summary>A value as text for comparing with an expected value: strings unquoted, other values as JSON.</summary>
    public static string TextOf(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <inheritdoc />
    public override string ToString() => Text;

    private readonly record struct Segment(string? Name, int? Index);
}
