using System.Globalization;
using System.Text;

namespace Vigil.Core.Diagnostics;

/// <summary>
/// Makes text that came from outside (a note, a channel name, a request path, a destination's
/// reply) safe to write into a log: one line, no terminal escape sequences, bounded. Every log
/// site that writes such text passes it through <see cref="Encode"/>.
/// </summary>
public static class LogText
{
    /// <summary>The most characters of one value kept in a log line.</summary>
    public const int MaxLength = 500;

    /// <summary>
    /// Escapes control characters (CR, LF, NUL, ESC and every other C0 and C1 control, DEL), the
    /// Unicode line and paragraph separators and the bidirectional overrides as <c>\r</c>,
    /// <c>\n</c>, <c>\0</c>, <c>\e</c> or <c>\uXXXX</c>, doubles backslashes so the escape is
    /// unambiguous, and cuts what is beyond <see cref="MaxLength"/> characters.
    /// </summary>
    /// <param name="text">The text; null stays null.</param>
    /// <returns>The text as it may be logged.</returns>
    public static string? Encode(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var kept = Math.Min(text.Length, MaxLength);
        var clean = true;
        for (var i = 0; i < kept && clean; i++)
        {
            clean = !NeedsEscape(text[i]);
        }

        if (clean && kept == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(kept + 16);
        for (var i = 0; i < kept; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                builder.Append(c);
                continue;
            }

            builder.Append(c switch
            {
                '\\' => @"\\",
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                '\0' => @"\0",
                '\u001b' => @"\e",
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        if (kept < text.Length)
        {
            builder.Append(CultureInfo.InvariantCulture, $"… ({text.Length - kept} more characters)");
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c == '\\' || char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
