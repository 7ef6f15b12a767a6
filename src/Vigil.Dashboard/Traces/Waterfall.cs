using Vigil.Otlp.Traces;

namespace Vigil.Dashboard.Traces;

/// <summary>A span as a waterfall row: its depth in the tree, and its bar in a <see cref="Waterfall.Scale"/>-wide track.</summary>
/// <param name="Span">The span.</param>
/// <param name="Depth">0 for a root (or a span whose parent is not kept), its parent's + 1 below it.</param>
/// <param name="Left">Where its bar starts: its offset from the trace's start, scaled to the track.</param>
/// <param name="Width">Its bar's width: its duration, scaled to the track (at least <see cref="Waterfall.MinWidth"/>, so an instant span shows).</param>
public sealed record WaterfallRow(SpanView Span, int Depth, double Left, double Width);

/// <summary>
/// A trace as a waterfall: its spans in tree order (each under its parent, children by start),
/// with bars whose offsets and widths are proportional to time. Drawn as SVG on the server (the
/// dashboard's policy forbids inline styles, and a bar needs no script).
/// </summary>
public static class Waterfall
{
    /// <summary>The width of the track the bars are drawn in (SVG user units; the track stretches to the page).</summary>
    public const double Scale = 1000;

    /// <summary>The narrowest bar.</summary>
    public const double MinWidth = 1;

    /// <summary>The rows of <paramref name="trace"/>, depth first.</summary>
    public static IReadOnlyList<WaterfallRow> Of(TraceView trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var total = trace.DurationMs > 0 ? trace.DurationMs : 1;
        var rows = new List<WaterfallRow>(trace.SpanCount);
        var stack = new Stack<(SpanView Span, int Depth)>(trace.Spans.Reverse().Select(s => (s, 0)));
        while (stack.TryPop(out var next))
        {
            var (span, depth) = next;
            var left = Math.Clamp(span.OffsetMs / total * Scale, 0, Scale - MinWidth);
            var width = Math.Clamp(span.DurationMs / total * Scale, MinWidth, Scale - left);
            rows.Add(new WaterfallRow(span, depth, Math.Round(left, 2), Math.Round(width, 2)));
            foreach (var child in span.Children.Reverse())
            {
                stack.Push((child, depth + 1));
            }
        }

        return rows;
    }
}
