using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Storage.Metrics;

namespace Vigil.Storage.Queries;

/// <summary>One series of a query's answer.</summary>
/// <param name="Labels">Its labels (empty for a combined answer).</param>
/// <param name="Points"><c>[unixSeconds, value]</c> pairs; the time is the start of each window. Windows without data are left out.</param>
public sealed record SeriesLine(LabelSet Labels, IReadOnlyList<double[]> Points);

/// <summary>How a series query ended: <see cref="SeriesFound"/>, <see cref="SeriesRefused"/> or <see cref="SeriesInvalid"/>.</summary>
public abstract record SeriesOutcome;

/// <summary>The answer: one line per label set, by labels, or one line for a combined query.</summary>
/// <param name="Series">The lines.</param>
public sealed record SeriesFound(IReadOnlyList<SeriesLine> Series) : SeriesOutcome;

/// <summary>The query would cost more than the budget allows; nothing was aggregated.</summary>
/// <param name="Cost">The estimate that was refused.</param>
public sealed record SeriesRefused(QueryCost Cost) : SeriesOutcome;

/// <summary>The query does not fit the metric (e.g. a quantile of a counter).</summary>
/// <param name="Field">The parameter at fault.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record SeriesInvalid(string Field, string Message) : SeriesOutcome;

/// <summary>
/// Runs series queries: every matching series from memory and, for the part of the range before the
/// in-memory window, from the stored 1-minute rollups, aggregated per step. The work is checked
/// against the budget before each part is done. One piece of code behind <c>GET /api/v1/series</c>
/// and the dashboard's charts.
/// </summary>
public sealed class SeriesQuery(MetricStore store, RollupRepository rollups)
{
    /// <summary>Runs <paramref name="spec"/>.</summary>
    /// <param name="spec">The query.</param>
    /// <param name="budget">The most work it may do.</param>
    /// <param name="combine">Whether every matching series is merged into one line (e.g. all requests' p95) instead of a line per label set.</param>
    /// <param name="cancellationToken">Checked between series (a query that timed out or whose client went away stops there).</param>
    public async Task<SeriesOutcome> RunAsync(SeriesQuerySpec spec, QueryBudget budget, bool combine = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(budget);
        var family = store.Family(spec.Metric);
        if (family is not null && spec.Aggregation.Quantile() is not null && family.Type != MetricType.Timing)
        {
            return new SeriesInvalid("agg", $"quantiles are kept for timings; '{spec.Metric}' is a {family.Type.ToWire()}");
        }

        var fromMs = spec.From.ToUnixTimeMilliseconds();
        var toMs = spec.To.ToUnixTimeMilliseconds();
        var splitMs = Math.Max(fromMs, store.MemoryHorizonMs);
        var windowMs = (long)(spec.Step ?? (spec.To - spec.From)).TotalMilliseconds;
        var windows = (toMs - fromMs + windowMs - 1) / windowMs;

        var sources = new Dictionary<string, Source>(StringComparer.Ordinal);
        if (family is not null)
        {
            foreach (var series in family.Series)
            {
                if (Matches(series.Labels, spec))
                {
                    sources[series.Key] = new Source(series.Labels, series.IsError, series.Type == MetricType.Counter) { Memory = series };
                }
            }
        }

        var cost = new QueryCost(sources.Count, windows, 0);
        if (budget.Exceeds(cost))
        {
            return new SeriesRefused(cost);
        }

        if (fromMs < splitMs)
        {
            var storedToMs = Math.Min(splitMs, toMs);
            cost = cost with { StoredRows = await rollups.CountMetricRowsAsync(spec.Metric, fromMs, storedToMs, budget.RowsToCount(cost), cancellationToken).ConfigureAwait(false) };
            if (budget.Exceeds(cost))
            {
                return new SeriesRefused(cost);
            }

            foreach (var (stored, rollup) in await rollups.ReadMetricAsync(spec.Metric, fromMs, storedToMs, cancellationToken).ConfigureAwait(false))
            {
                if (!sources.TryGetValue(stored.Key, out var source))
                {
                    var labels = LabelSet.ParseKeyLabels(stored.Key);
                    if (!Matches(labels, spec))
                    {
                        continue;
                    }

                    sources[stored.Key] = source = new Source(labels, MetricSeries.IsErrorStatus(labels["status"]), stored.Type == "counter");
                }

                source.Stored.Add(rollup);
            }

            // Series only the history holds are aggregated too.
            cost = cost with { Series = sources.Count };
            if (budget.Exceeds(cost))
            {
                return new SeriesRefused(cost);
            }
        }

        var accumulator = new WindowAccumulator();
        try
        {
            if (combine)
            {
                return new SeriesFound([new SeriesLine(LabelSet.Empty, Combined(sources.Values, accumulator, spec.Aggregation, fromMs, toMs, splitMs, windowMs, cancellationToken))]);
            }

            var result = new List<SeriesLine>(sources.Count);
            foreach (var source in sources.Values.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var points = new List<double[]>();
                for (var windowStart = fromMs; windowStart < toMs; windowStart += windowMs)
                {
                    var windowEnd = Math.Min(toMs, windowStart + windowMs);
                    accumulator.Reset();
                    accumulator.IsCounter = source.IsCounter;
                    source.AddInto(accumulator, windowStart, windowEnd, splitMs);
                    if (accumulator.Count > 0 && accumulator.Value(spec.Aggregation, TimeSpan.FromMilliseconds(windowEnd - windowStart)) is { } value)
                    {
                        points.Add([windowStart / 1000.0, value]);
                    }
                }

                result.Add(new SeriesLine(source.Labels, points));
            }

            return new SeriesFound(result);
        }
        finally
        {
            accumulator.Reset();
        }
    }

    private static List<double[]> Combined(
        IReadOnlyCollection<Source> sources, WindowAccumulator accumulator, Aggregation aggregation, long fromMs, long toMs, long splitMs, long windowMs, CancellationToken cancellationToken)
    {
        var points = new List<double[]>();
        var isCounter = sources.Count > 0 && sources.All(s => s.IsCounter);
        for (var windowStart = fromMs; windowStart < toMs; windowStart += windowMs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var windowEnd = Math.Min(toMs, windowStart + windowMs);
            accumulator.Reset();
            foreach (var source in sources)
            {
                source.AddInto(accumulator, windowStart, windowEnd, splitMs);
            }

            accumulator.IsCounter = isCounter;
            if (accumulator.Count > 0 && accumulator.Value(aggregation, TimeSpan.FromMilliseconds(windowEnd - windowStart)) is { } value)
            {
                points.Add([windowStart / 1000.0, value]);
            }
        }

        return points;
    }

    private static bool Matches(LabelSet labels, SeriesQuerySpec spec)
    {
        if (spec.Exact && labels.Pairs.Count != spec.Matchers.Count)
        {
            return false;
        }

        foreach (var (name, value) in spec.Matchers)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Source(LabelSet labels, bool isError, bool isCounter)
    {
        private int _storedIndex;

        public LabelSet Labels { get; } = labels;

        public bool IsError { get; } = isError;

        public bool IsCounter { get; } = isCounter;

        public MetricSeries? Memory { get; init; }

        public List<Rollup> Stored { get; } = [];

        /// <summary>Adds [windowStart, windowEnd): stored rollups before <paramref name="splitMs"/>, memory after. Windows come in order.</summary>
        public void AddInto(WindowAccumulator accumulator, long windowStart, long windowEnd, long splitMs)
        {
            while (_storedIndex < Stored.Count && Stored[_storedIndex].MinuteStartMs < windowEnd)
            {
                if (Stored[_storedIndex].MinuteStartMs >= windowStart)
                {
                    accumulator.AddRollup(Stored[_storedIndex], IsError);
                }

                _storedIndex++;
            }

            Memory?.AggregateInto(accumulator, Math.Max(windowStart, splitMs), windowEnd);
        }
    }
}
