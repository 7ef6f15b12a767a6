using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Otlp.Traces;

/// <summary>
/// Database statements without their values: string and number literals become <c>?</c>, an
/// <c>IN</c> list becomes <c>IN (?)</c>, comments go and whitespace collapses, so a statement's
/// text names a query shape, never the data it carried.
/// </summary>
internal static partial class SqlText
{
    /// <summary>The longest normalised statement kept (longer ones are clipped).</summary>
    public const int MaxLength = 1_000;

    /// <summary>The statement with its values replaced by <c>?</c>.</summary>
    public static string Normalise(string statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = Comments().Replace(statement, " ");
        text = Literals().Replace(text, "?");
        text = Numbers().Replace(text, "?");
        text = InLists().Replace(text, "IN (?)");
        text = Whitespace().Replace(text, " ").Trim();
        return text.Length <= MaxLength ? text : text[..MaxLength];
    }

    /// <summary>
    /// A short name of a statement: its operation and first table (<c>SELECT orders</c>), or null
    /// when the statement does not start with a known operation.
    /// </summary>
    public static string? Summary(string statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = Comments().Replace(statement, " ").TrimStart();
        var operation = Operation().Match(text);
        if (!operation.Success)
        {
            return null;
        }

        var verb = operation.Groups[1].Value.ToUpperInvariant();
        var table = Table().Match(text);
        return table.Success ? $"{verb} {Unquote(table.Groups[1].Value)}" : verb;
    }

    private static string Unquote(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is not ('"' or '`' or '[' or ']'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"--[^\r\n]*|/\*.*?\*/", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Comments();

    // 'text' with '' inside, E'..', N'..', and $$..$$ (PostgreSQL).
    [GeneratedRegex(@"[EeNn]?'(?:[^']|'')*'?|\$\$.*?\$\$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Literals();

    // Numbers that are not part of a name or a positional parameter ($1, @p0, :name stay).
    [GeneratedRegex(@"(?<![\w$@:.])-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Numbers();

    [GeneratedRegex(@"\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InLists();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(SELECT|INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE|WITH|CALL|EXEC|EXECUTE|CREATE|ALTER|DROP|TRUNCATE|BEGIN|COMMIT|ROLLBACK|SET|SHOW|COPY)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Operation();

    [GeneratedRegex(@"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+((?:[\w""`\[\]]+\.)?[\w""`\[\]]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Table();
}
