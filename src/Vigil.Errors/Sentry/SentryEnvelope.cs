using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Vigil.Errors.Sentry;

/// <summary>
/// A Sentry envelope (develop.sentry.dev/sdk/envelopes): a JSON header line (<c>event_id</c>,
/// <c>dsn</c>), then items, each a JSON header line with its <c>type</c> and, optionally, the
/// <c>length</c> of its payload in bytes; without a length the payload runs to the next newline.
/// Every item is read, whatever its type: which ones matter is the caller's business (unknown
/// types are skipped, as the protocol says).
/// </summary>
internal sealed class SentryEnvelope
{
    /// <summary>The most items an envelope may hold.</summary>
    public const int MaxItems = 1_000;

    private SentryEnvelope(JsonElement header, string? eventId, string? dsn, IReadOnlyList<SentryItem> items)
    {
        Header = header;
        EventId = eventId;
        Dsn = dsn;
        Items = items;
    }

    /// <summary>The header, whole.</summary>
    public JsonElement Header { get; }

    /// <summary>The header's <c>event_id</c>, or null.</summary>
    public string? EventId { get; }

    /// <summary>The header's <c>dsn</c>, or null.</summary>
    public string? Dsn { get; }

    /// <summary>The items, in order.</summary>
    public IReadOnlyList<SentryItem> Items { get; }

    /// <summary>Parses an envelope, or says what is wrong with it (naming the line or item).</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out SentryEnvelope? envelope, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            return TryParseItems(body, out envelope, out problem);
        }
        catch (InvalidOperationException)
        {
            // A string that is not text (a lone surrogate, escaped): JSON's reader cannot give it as a string.
            envelope = null;
            problem = "The envelope's header holds a string that is not valid text (a lone surrogate).";
            return false;
        }
    }

    private static bool TryParseItems(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out SentryEnvelope? envelope, [NotNullWhen(false)] out string? problem)
    {
        envelope = null;
        var span = body.Span;
        var position = 0;
        var headerLine = NextLine(span, ref position);
        if (!TryReadObject(headerLine, out var header, out problem))
        {
            problem = "The envelope's header " + problem;
            return false;
        }

        var eventId = StringOf(header, "event_id");
        var dsn = StringOf(header, "dsn");
        var items = new List<SentryItem>();
        while (position < span.Length)
        {
            var itemLine = NextLine(span, ref position);
            if (itemLine.IsEmpty)
            {
                continue; // a trailing newline, or blank lines between items
            }

            if (items.Count == MaxItems)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"The envelope holds more than {MaxItems} items.");
                return false;
            }

            var at = string.Create(CultureInfo.InvariantCulture, $"Item {items.Count}");
            if (!TryReadObject(itemLine, out var itemHeader, out problem))
            {
                problem = $"{at}'s header {problem}";
                return false;
            }

            if (StringOf(itemHeader, "type") is not { Length: > 0 } type)
            {
                problem = $"{at}'s header has no 'type'.";
                return false;
            }

            ReadOnlyMemory<byte> payload;
            if (itemHeader.TryGetProperty("length", out var lengthElement) && lengthElement.ValueKind != JsonValueKind.Null)
            {
                if (lengthElement.ValueKind != JsonValueKind.Number || !lengthElement.TryGetInt32(out var length) || length < 0)
                {
                    problem = $"{at}'s 'length' must be a whole number of bytes.";
                    return false;
                }

                if (length > span.Length - position)
                {
                    problem = string.Create(CultureInfo.InvariantCulture, $"{at} ('{type}') is truncated: its length is {length} bytes, {span.Length - position} are left.");
                    return false;
                }

                payload = body.Slice(position, length);
                position += length;
                if (position < span.Length && span[position] == (byte)'\n')
                {
                    position++;
                }
            }
            else
            {
                var start = position;
                var line = NextLine(span, ref position);
                payload = body.Slice(start, line.Length);
            }

            items.Add(new SentryItem(type, payload));
        }

        envelope = new SentryEnvelope(header, eventId, dsn, items);
        return true;
    }

    private static ReadOnlySpan<byte> NextLine(ReadOnlySpan<byte> span, ref int position)
    {
        var rest = span[position..];
        var end = rest.IndexOf((byte)'\n');
        if (end < 0)
        {
            position = span.Length;
            return TrimCarriageReturn(rest);
        }

        position += end + 1;
        return TrimCarriageReturn(rest[..end]);
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static bool TryReadObject(ReadOnlySpan<byte> line, out JsonElement element, [NotNullWhen(false)] out string? problem)
    {
        element = default;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                problem = "is empty.";
                return false;
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    problem = "must be a JSON object.";
                    return false;
                }

                element = document.RootElement.Clone();
            }

            problem = null;
            return true;
        }
        catch (JsonException ex)
        {
            problem = "is not valid JSON: " + ex.Message;
            return false;
        }
    }

    /// <summary>A string member of an object, or null.</summary>
    internal static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>An envelope's item: its type and payload.</summary>
/// <param name="Type">event, transaction, session, attachment, client_report, …</param>
/// <param name="Payload">Its bytes.</param>
internal sealed record SentryItem(string Type, ReadOnlyMemory<byte> Payload);
