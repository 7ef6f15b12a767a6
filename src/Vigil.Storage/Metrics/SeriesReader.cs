using Vigil.Core.Metrics;
using Vigil.Core.Queries;

namespace Vigil.Storage.Metrics;

/// <summary>A query of one metric's aggregates, per window of a range.</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Matchers">Exact label values a series must have (a missing label matches the empty value).</param>
/// <param name="Aggregation">How each window is reduced.</param>
/// <param name="FromMs">Start of the range (Unix ms, inclusive).</param>
/// <param name="ToMs">End of the range (Unix ms, exclusive).</param>
/// <param name="WindowMs">The window (step) in ms; the range itself for one point.</param>
/// <param name="Merge">
/// Whether all matching series are reduced together into one line, as an alert rule sees its
/// group; otherwise one line per label set.
/// </param>
public sealed record SeriesQuery(string Metric, IReadOnlyList<KeyValuePair<string, string>> Matchers, Aggregation Aggregation, long FromMs, long ToMs, long WindowMs, bool Merge = false);

/// <summary>One line of a query's answer.</summary>
/// <param name="Labels">The series' labels (for a merged query: the matchers).</param>
/// <param name="Points"><c>[unixSeconds, value]</c> pairs; the time is the start of each window. Windows without data are left out.</param>
public sealed record SeriesLine(LabelSet Labels, IReadOnlyList<double[]> Points);

/// <summary>The answer of a <see cref="SeriesReader"/>: the lines, or the cost that put the query over its budget.</summary>
public sealed class SeriesAnswer
{
    private SeriesAnswer(IReadOnlyList<SeriesLine> lines, QueryCost? refused)
    {
        Lines = lines;
        Refused = refused;
    }

    /// <summary>The lines (empty when refused).</summary>
    public IReadOnlyList<SeriesLine> Lines { get; }

    /// <summary>The estimated cost when the query was refused as over its budget; null when it ran.</summary>
    public QueryCost? Refused { get; }

    internal static SeriesAnswer Of(IReadOnlyList<SeriesLine> lines) => new(lines, null);

    internal static SeriesAnswer Over(QueryCost cost) => new([], cost);
}

/// <summary>
/// Reads a metric's aggregates over a range from memory and, for the part of the range before
/// the in-memory window, from the stored 1-minute rollups; the work is checked against a
/// <see cref="QueryBudget"/> before each part is done. Serves the series API and the
/// dashboard's charts (one piece of code).
/// </summary>
public sealed class SeriesReader(MetricStore store, RollupRepository rollups)
{
    /// <summary>Runs <paramref name="query"/> within <paramref name="budget"/>.</summary>
    public async Task<SeriesAnswer> ReadAsync(SeriesQuery query, QueryBudget budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.WindowMs, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(query.FromMs, query.ToMs);
        var (fromMs, toMs, windowMs) = (query.FromMs, query.ToMs, query.WindowMs);
        var splitMs = Math.Max(fromMs, store.MemoryHorizonMs);
        var windows = (toMs - fromMs + windowMs - 1) / windowMs;
        var family = store.Family(query.Metric);

        var sources = new Dictionary<string, SeriesSource>(StringComparer.Ordinal);
        if (family is not null)
        {
            foreach (var series in family.Series)
            {
                if (Matches(series.Labels, query.Matchers))
                {
                    sources[series.Key] = new SeriesSource(series.Labels, series.IsError, series.Type == MetricType.Counter) { Memory = series };
                }
            }
        }

        var cost = new QueryCost(sources.Count, windows, 0);
        if (budget.Exceeds(cost))
        {
            return SeriesAnswer.Over(cost);
        }

        if (fromMs < splitMs)
        {
            var storedToMs = Math.Min(splitMs, toMs);
            cost = cost with { StoredRows = await rollups.CountMetricRowsAsync(query.Metric, fromMs, storedToMs, budget.RowsToCount(cost), cancellationToken).ConfigureAwait(false) };
            if (budget.Exceeds(cost))
            {
                return SeriesAnswer.Over(cost);
            }

            foreach (var (stored, rollup) in await rollups.ReadMetricAsync(query.Metric, fromMs, storedToMs, cancellationToken).ConfigureAwait(false))
            {
                if (!sources.TryGetValue(stored.Key, out var source))
                {
                    var labels = LabelSet.ParseKeyLabels(stored.Key);
                    if (!Matches(labels, query.Matchers))
                    {
                        continue;
                    }

                    sources[stored.Key] = source = new SeriesSource(labels, MetricSeries.IsErrorStatus(labels["status"]), stored.Type == "counter");
                }

                source.Stored.Add(rollup);
            }

            // Series only the history holds are aggregated too.
            cost = cost with { Series = sources.Count };
            if (budget.Exceeds(cost))
            {
                return SeriesAnswer.Over(cost);
            }
        }

        var ordered = sources.Values.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal).ToList();
        var accumulator = new WindowAccumulator();
        if (query.Merge)
        {
            var merged = ordered.Count == 0 ? [] : Aggregate(accumulator, ordered, query, splitMs, cancellationToken);
            return SeriesAnswer.Of([new SeriesLine(LabelSet.From(query.Matchers), merged)]);
        }

        var result = new List<SeriesLine>(ordered.Count);
        foreach (var source in ordered)
        {
            result.Add(new SeriesLine(source.Labels, Aggregate(accumulator, [source], query, splitMs, cancellationToken)));
        }

        accumulator.Reset();
        return SeriesAnswer.Of(result);
    }

    private static List<double[]> Aggregate(WindowAccumulator accumulator, List<SeriesSource> sources, SeriesQuery query, long splitMs, CancellationToken cancellationToken)
    {
        // A query that timed out or whose client went away stops here.
        cancellationToken.ThrowIfCancellationRequested();
        var points = new List<double[]>();
        var storedIndex = new int[sources.Count];
        for (var windowStart = query.FromMs; windowStart < query.ToMs; windowStart += query.WindowMs)
        {
            var windowEnd = Math.Min(query.ToMs, windowStart + query.WindowMs);
            accumulator.Reset();
            accumulator.IsCounter = sources[0].IsCounter;
            for (var s = 0; s < sources.Count; s++)
            {
                var source = sources[s];
                while (storedIndex[s] < source.Stored.Count && source.Stored[storedIndex[s]].MinuteStartMs < windowEnd)
                {
                    if (source.Stored[storedIndex[s]].MinuteStartMs >= windowStart)
                    {
                        accumulator.AddRollup(source.Stored[storedIndex[s]], source.IsError);
                    }

                    storedIndex[s]++;
                }

                source.Memory?.AggregateInto(accumulator, Math.Max(windowStart, splitMs), windowEnd);
            }

            if (accumulator.Count > 0 && accumulator.Value(query.Aggregation, TimeSpan.FromMilliseconds(windowEnd - windowStart)) is { } value)
            {
                points.Add([windowStart / 1000.0, value]);
            }
        }

        return points;
    }

    private static bool Matches(LabelSet labels, IReadOnlyList<KeyValuePair<string, string>> matchers)
    {
        foreach (var (name, value) in matchers)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class SeriesSource(LabelSet labels, bool isError, bool isCounter)
    {
        public LabelSet Labels { get; } = labels;

        public bool IsError { get; } = isError;

        public bool IsCounter { get; } = isCounter;

        public MetricSeries? Memory { get; init; }

        public List<Rollup> Stored { get; } = [];
    }
}
