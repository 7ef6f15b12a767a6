using System.Globalization;

namespace Vigil.Monitoring.Definitions;

/// <summary>An inclusive range of HTTP status codes an answer may have (<c>200-299</c>, <c>301</c>, <c>2xx</c>).</summary>
/// <param name="From">The lowest code.</param>
/// <param name="To">The highest code.</param>
public readonly record struct StatusRange(int From, int To)
{
    /// <summary>Any 2xx: the default expectation.</summary>
    public static readonly StatusRange Success = new(200, 299);

    /// <summary>Whether <paramref name="status"/> is in the range.</summary>
    public bool Contains(int status) => status >= From && status <= To;

    /// <summary>Parses <c>200</c>, <c>200-299</c> or <c>2xx</c> (codes 100 to 599).</summary>
    public static bool TryParse(string? text, out StatusRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Length == 3 && text[1..].Equals("xx", StringComparison.OrdinalIgnoreCase) && text[0] is >= '1' and <= '5')
        {
            var hundred = (text[0] - '0') * 100;
            range = new StatusRange(hundred, hundred + 99);
            return true;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            if (Code(text) is { } single)
            {
                range = new StatusRange(single, single);
                return true;
            }

            return false;
        }

        if (Code(text[..dash].Trim()) is { } from && Code(text[(dash + 1)..].Trim()) is { } to && from <= to)
        {
            range = new StatusRange(from, to);
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => From == To
        ? From.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{From}-{To}");

    private static int? Code(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599 ? code : null;
}
