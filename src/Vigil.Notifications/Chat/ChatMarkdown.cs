using System.Buffers;
using System.Text;

namespace Vigil.Notifications.Chat;

/// <summary>
/// Escapes text that came from outside Vigil (label values, alert and metric names, descriptions,
/// relay names) before it goes into a chat message that renders Markdown, so that
/// <c>[click](http://evil)</c> in a label is shown as written, never as a link, and <c>**</c>,
/// <c>#</c> or <c>&gt;</c> cannot restyle the message. Slack's mrkdwn is escaped by
/// <see cref="SlackMessage.Escape"/> (its links need <c>&lt;</c>).
/// </summary>
/// <remarks>
/// A backslash goes before each character with a meaning; an underscore inside a word
/// (<c>http_request_duration_ms</c>) has none and is left alone, as are <c>#</c>, <c>-</c>,
/// <c>+</c> and <c>&gt;</c> anywhere but at the start of a line (headings, lists, quotes).
/// </remarks>
internal static class ChatMarkdown
{
    // Discord: emphasis, strike-through, spoilers, code, masked links, and <url>, <@id>, <t:...> tags.
    private static readonly SearchValues<char> DiscordAnywhere = SearchValues.Create("\\*_~`|<>[]()");

    // Teams (Adaptive Cards, a CommonMark subset): emphasis and links. The backslash left between
    // "]" and "(" stops a link even in a client that does not honour escapes.
    private static readonly SearchValues<char> TeamsAnywhere = SearchValues.Create("\\*_[]()");

    private static readonly SearchValues<char> LineStart = SearchValues.Create("#->+");

    /// <summary>Text shown as written in a Discord message, embed title, description or field value.</summary>
    public static string Discord(string text) => Escape(text, DiscordAnywhere);

    /// <summary>Text shown as written in a Teams Adaptive Card TextBlock or fact.</summary>
    public static string Teams(string text) => Escape(text, TeamsAnywhere);

    private static string Escape(string text, SearchValues<char> anywhere)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length + 8);
        bool atLineStart = true;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool escape = c == '_'
                ? !(i > 0 && char.IsLetterOrDigit(text[i - 1]) && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
                : anywhere.Contains(c) || (atLineStart && LineStart.Contains(c));
            if (escape)
            {
                builder.Append('\\');
            }

            builder.Append(c);
            if (c is '\n' or '\r')
            {
                atLineStart = true;
            }
            else if (!char.IsWhiteSpace(c))
            {
                atLineStart = false;
            }
        }

        return builder.ToString();
    }
}
