using System.Globalization;
using System.Text;

namespace Vigil.Dashboard.Charts;

/// <summary>
/// A table row's sparkline, drawn on the server as inline SVG (no script, nothing to fetch): a
/// line of values with gaps where there is none, a band (the baseline's tolerance), and markers
/// (where a regression began). Coordinates are in a <see cref="Width"/> × <see cref="Height"/> box.
/// </summary>
/// <param name="Path">The line's SVG path (<c>M</c>/<c>L</c>; a gap starts a new <c>M</c>).</param>
/// <param name="BandTop">The band's top edge, or null without a band.</param>
/// <param name="BandBottom">The band's bottom edge, or null without a band.</param>
/// <param name="Markers">The x of each marker.</param>
public sealed record Sparkline(string Path, double? BandTop, double? BandBottom, IReadOnlyList<double> Markers)
{
    /// <summary>The box's width.</summary>
    public const double Width = 120;

    /// <summary>The box's height.</summary>
    public const double Height = 28;

    private const double Pad = 2;

    /// <summary>
    /// The sparkline of <paramref name="values"/> (evenly spaced, oldest first; null: no value),
    /// with a band from <paramref name="bandLow"/> to <paramref name="bandHigh"/> when both are given
    /// and markers at fractional positions <paramref name="markerAt"/> (0 = the first value's place,
    /// values.Count − 1 = the last; beyond either end: at that end). Null when no value is known.
    /// </summary>
    public static Sparkline? Of(IReadOnlyList<double?> values, double? bandLow, double? bandHigh, IEnumerable<double> markerAt)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(markerAt);
        var known = values.Where(v => v is { } x && double.IsFinite(x)).Select(v => v!.Value).ToArray();
        if (known.Length == 0)
        {
            return null;
        }

        var band = bandLow is { } low && bandHigh is { } high && double.IsFinite(low) && double.IsFinite(high) && high >= low ? (Low: low, High: high) : ((double Low, double High)?)null;
        var min = Math.Min(known.Min(), band?.Low ?? double.MaxValue);
        var max = Math.Max(known.Max(), band?.High ?? double.MinValue);
        if (max - min < 1e-9)
        {
            (min, max) = (min - 1, max + 1); // a flat line sits in the middle
        }

        var step = values.Count > 1 ? (Width - (2 * Pad)) / (values.Count - 1) : 0;
        double X(double index) => values.Count > 1 ? Pad + (index * step) : Width / 2;
        double Y(double value) => Pad + ((Height - (2 * Pad)) * (max - value) / (max - min));

        var path = new StringBuilder();
        var drawing = false;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } value || !double.IsFinite(value))
            {
                drawing = false;
                continue;
            }

            var lone = !drawing && (i + 1 >= values.Count || values[i + 1] is null);
            path.Append(drawing ? " L" : path.Length == 0 ? "M" : " M").Append(Number(X(i))).Append(' ').Append(Number(Y(value)));
            if (lone)
            {
                path.Append(" h0.01"); // a lone value still shows, as a dot (round line caps)
            }

            drawing = true;
        }

        var markers = markerAt.Where(double.IsFinite).Select(at => Math.Round(X(Math.Clamp(at, 0, values.Count - 1)), 2)).ToArray();
        return new Sparkline(path.ToString(), band is { } b ? Math.Round(Y(b.High), 2) : null, band is { } c ? Math.Round(Y(c.Low), 2) : null, markers);
    }

    /// <summary>An SVG number: invariant, two decimals at most.</summary>
    public static string Number(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);
}
