namespace Vigil.Dashboard.Charts;

/// <summary>One line of a chart: <c>[unixSeconds, value]</c> points (a null value breaks the line).</summary>
/// <param name="Label">The legend's name for it.</param>
/// <param name="Points">The points.</param>
public sealed record ChartLine(string Label, IReadOnlyList<double?[]> Points);

/// <summary>A shaded interval of a chart (unix seconds; <c>to</c> null: still going).</summary>
/// <param name="From">Start.</param>
/// <param name="To">End, or null.</param>
/// <param name="Kind"><c>firing</c>, <c>pending</c> or <c>resolved</c>.</param>
public sealed record ChartShade(double From, double? To, string Kind);

/// <summary>The chart contract of vigil.js (<c>drawChart</c>), for every chart endpoint under <c>/ui/data</c>.</summary>
/// <param name="Unit">The values' unit.</param>
/// <param name="Series">The lines.</param>
/// <param name="Threshold">The threshold line, if any.</param>
/// <param name="ThresholdLabel">Its legend text.</param>
/// <param name="Baseline">A baseline line, if any.</param>
/// <param name="Shaded">Intervals to shade.</param>
/// <param name="BaselineLabel">The baseline's legend text (default "baseline").</param>
/// <param name="Band">A band to fill behind the lines: <c>[unixSeconds, low, high]</c> points.</param>
/// <param name="BandLabel">Its legend text.</param>
/// <param name="From">The time axis' start (unix seconds) when it is fixed rather than fitted to the points.</param>
/// <param name="To">Its end.</param>
public sealed record ChartData(
    string Unit, IReadOnlyList<ChartLine> Series, double? Threshold = null, string? ThresholdLabel = null,
    IReadOnlyList<double[]>? Baseline = null, IReadOnlyList<ChartShade>? Shaded = null, string? BaselineLabel = null,
    IReadOnlyList<double[]>? Band = null, string? BandLabel = null, double? From = null, double? To = null);
