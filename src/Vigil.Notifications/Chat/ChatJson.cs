namespace Vigil.Notifications.Chat;

/// <summary>How chat payloads are written: readable text (no <c>\u003C</c> escapes), as chat services show it.</summary>
internal static class ChatJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
