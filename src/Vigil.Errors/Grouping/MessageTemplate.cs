using System.Text.RegularExpressions;

namespace Vigil.Errors.Grouping;

/// <summary>
/// A message with its variable parts replaced by placeholders, so that <c>order 42 not found</c>
/// and <c>order 43 not found</c> group together: emails, GUIDs, quoted strings, hexadecimal
/// numbers and addresses, and numbers.
/// </summary>
internal static partial class MessageTemplate
{
    /// <summary>The template of <paramref name="message"/>.</summary>
    public static string Of(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = Email().Replace(message, "<email>");
        text = Guid().Replace(text, "<guid>");
        text = Quoted().Replace(text, "<str>");
        text = Hex().Replace(text, "<hex>");
        text = Number().Replace(text, "<num>");
        return Space().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b")]
    private static partial Regex Guid();

    [GeneratedRegex("""'[^'\r\n]*'|"[^"\r\n]*"|`[^`\r\n]*`""")]
    private static partial Regex Quoted();

    // 0x-prefixed, or 8+ hex digits with at least one digit (a hash, an id), not a plain word.
    [GeneratedRegex(@"\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b")]
    private static partial Regex Hex();

    [GeneratedRegex(@"[-+]?\d+(?:[.,:]\d+)*")]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();
}
