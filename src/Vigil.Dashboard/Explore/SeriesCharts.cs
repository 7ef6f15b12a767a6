using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Storage.Queries;
using Vigil.Dashboard.Charts;

namespace Vigil.Dashboard.Explore;

/// <summary>Series query answers as charts: labels as legend names, units from the metric and the aggregation.</summary>
public static class SeriesCharts
{
    /// <summary>The unit of <paramref name="aggregation"/> of <paramref name="metric"/>: <c>%</c>, <c>/min</c>, <c>/s</c>, or the metric's own (<c>_ms</c> → ms, <c>_seconds</c> → s, <c>_bytes</c> → B).</summary>
    public static string Unit(string metric, Aggregation aggregation)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return aggregation switch
        {
            Aggregation.ErrorRatePercent => "%",
            Aggregation.RatePerMinute => "/min",
            Aggregation.RatePerSecond => "/s",
            Aggregation.Count => "",
            _ when metric.EndsWith("_ms", StringComparison.Ordinal) => "ms",
            _ when metric.EndsWith("_seconds", StringComparison.Ordinal) => "s",
            _ when metric.EndsWith("_bytes", StringComparison.Ordinal) => "B",
            _ when metric.EndsWith("_percent", StringComparison.Ordinal) => "%",
            _ => "",
        };
    }

    /// <summary>A series' name in a legend or a table: its labels (<c>method=GET, route=/a</c>), or <paramref name="fallback"/> when it has none.</summary>
    public static string Label(LabelSet labels, string fallback)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return labels.Pairs.Count == 0 ? fallback : string.Join(", ", labels.Pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>The chart of a query's answer, its x axis over the query's whole range.</summary>
    public static ChartData Chart(SeriesQuerySpec spec, SeriesFound found)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(found);
        return new ChartData(Unit(spec.Metric, spec.Aggregation), [.. found.Series.Select(s => new ChartLine(Label(s.Labels, spec.Metric), Spanned(s.Points, spec)))]);
    }

    private static List<double?[]> Spanned(IReadOnlyList<double[]> points, SeriesQuerySpec spec)
    {
        var from = spec.From.ToUnixTimeMilliseconds() / 1000.0;
        var to = spec.To.ToUnixTimeMilliseconds() / 1000.0;
        var spanned = new List<double?[]>(points.Count + 2);
        if (points.Count == 0 || points[0][0] > from)
        {
            spanned.Add([from, null]);
        }

        spanned.AddRange(points.Select(p => new double?[] { p[0], p[1] }));
        if (points.Count == 0 || points[^1][0] < to)
        {
            spanned.Add([to, null]);
        }

        return spanned;
    }

    /// <summary>The HTTP answer of a query that did not find series: a 400 problem naming the field, or 422 when it is over the budget.</summary>
    public static IResult Problem(SeriesOutcome outcome, QueryBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        return outcome switch
        {
            SeriesInvalid invalid => Results.ValidationProblem(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] }, "The query is invalid."),
            SeriesRefused refused => Results.Problem(budget.Explain(refused.Cost, ["use a shorter range", "a larger step", "or match fewer series"]),
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "The query is too expensive"),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
        };
    }
}
