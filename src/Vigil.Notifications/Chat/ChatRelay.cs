using System.Text;
using System.Text.Json;

namespace Vigil.Notifications.Chat;

/// <summary>How chat channels show a relayed JSON body.</summary>
internal static class ChatRelay
{
    /// <summary>The payload indented, cut to <paramref name="max"/> characters; the raw text when it is not JSON.</summary>
    public static string PrettyJson(ReadOnlyMemory<byte> json, int max)
    {
        string text;
        try
        {
            using var document = JsonDocument.Parse(json);
            text = JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            text = Encoding.UTF8.GetString(json.Span);
        }

        // A code fence inside the payload would end the code block early.
        text = text.Replace("```", "ˋˋˋ", StringComparison.Ordinal);
        return SeverityStyle.Truncate(text, max);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
