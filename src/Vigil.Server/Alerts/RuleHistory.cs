using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Alerts;

/// <summary>
/// Reads the stored 1-minute rollups a rule looks at: the history a backtest replays, and the
/// baselines of dynamic thresholds (the aggregate over the last <c>baselineDays</c>).
/// </summary>
internal sealed class RuleHistory(RollupRepository rollups)
{
    // Long ranges are read a day at a time, so a baseline never holds a week of rows at once.
    private static readonly long ChunkMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>How many rollup rows <see cref="ReadAsync"/> reads for the same range, counting no further than <paramref name="limit"/>.</summary>
    public Task<long> CountAsync(AlertRule rule, long fromMs, long toMs, long limit, CancellationToken cancellationToken) =>
        rollups.CountMetricRowsAsync(rule.Metric, fromMs, toMs, limit, cancellationToken);

    /// <summary>The stored history of every series of the rule's metric that its matchers accept.</summary>
    public async Task<IReadOnlyList<SeriesHistory>> ReadAsync(AlertRule rule, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var bySeries = new Dictionary<string, (LabelSet Labels, bool IsCounter, List<Rollup> Rollups)>(StringComparer.Ordinal);
        foreach (var (stored, rollup) in await rollups.ReadMetricAsync(rule.Metric, fromMs, toMs, cancellationToken).ConfigureAwait(false))
        {
            if (!bySeries.TryGetValue(stored.Key, out var series))
            {
                var labels = LabelSet.ParseKeyLabels(stored.Key);
                if (!RuleEvaluator.Matches(labels, rule.Match))
                {
                    continue;
                }

                bySeries[stored.Key] = series = (labels, stored.Type == "counter", []);
            }

            series.Rollups.Add(rollup);
        }

        return [.. bySeries.Values.Select(s => new SeriesHistory(s.Labels, MetricSeries.IsErrorStatus(s.Labels["status"]), s.IsCounter, s.Rollups))];
    }

    /// <summary>
    /// Each group's aggregate over [<paramref name="fromMs"/>, <paramref name="toMs"/>) with the
    /// rule's aggregation; a group with fewer points than the rule's <c>minDataPoints</c> has no
    /// baseline. Rates are taken over the span the history covers, so a metric that began
    /// yesterday is not diluted by days it did not exist.
    /// </summary>
    public async Task<Dictionary<LabelSet, double>> BaselinesAsync(AlertRule rule, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<LabelSet, (WindowAccumulator Accumulator, long FirstMs)>();
        for (var chunkStart = fromMs; chunkStart < toMs; chunkStart += ChunkMs)
        {
            var chunkEnd = Math.Min(toMs, chunkStart + ChunkMs);
            foreach (var series in await ReadAsync(rule, chunkStart, chunkEnd, cancellationToken).ConfigureAwait(false))
            {
                var group = RuleEvaluator.GroupOf(rule, series.Labels);
                if (!groups.TryGetValue(group, out var state))
                {
                    state = (new WindowAccumulator(), series.Rollups[0].MinuteStartMs);
                }

                state.Accumulator.IsCounter = series.IsCounter;
                foreach (var rollup in series.Rollups)
                {
                    state.Accumulator.AddRollup(rollup, series.IsError);
                }

                groups[group] = (state.Accumulator, Math.Min(state.FirstMs, series.Rollups[0].MinuteStartMs));
            }
        }

        var baselines = new Dictionary<LabelSet, double>(groups.Count);
        foreach (var (group, (accumulator, firstMs)) in groups)
        {
            var (value, points) = RuleEvaluator.Reduce(accumulator, rule.Aggregation, TimeSpan.FromMilliseconds(toMs - firstMs));
            if (value is { } v && points >= rule.MinDataPoints)
            {
                baselines[group] = v;
            }
        }

        return baselines;
    }
}

/// <summary>
/// The baselines of the dynamic rules, computed from the stored rollups and kept for an hour
/// (<see cref="MaxAge"/>): a baseline over days barely moves in an hour, and the evaluation
/// pass must not read a week of history every second. A rule whose definition changes gets
/// a fresh baseline at once.
/// </summary>
internal sealed partial class BaselineCache(RuleHistory history, TimeProvider time, ILogger<BaselineCache> logger)
{
    /// <summary>How long a computed baseline is used.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    // After a failed read, try again sooner than an hour.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The group baselines of a dynamic rule (null for a group without one).</summary>
    public async ValueTask<Func<LabelSet, double?>> GetAsync(AlertRule rule, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var definition = Definition(rule);
        Entry? entry;
        lock (_lock)
        {
            _entries.TryGetValue(rule.Id, out entry);
        }

        if (entry is null || entry.Definition != definition || now >= entry.RefreshAt)
        {
            entry = await ComputeAsync(rule, definition, now, entry, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                _entries[rule.Id] = entry;
            }
        }

        return LookUp(entry.Values);
    }

    /// <summary>
    /// The group baselines of a rule that is not saved (a rule test): computed for this call and not
    /// kept, as nothing would ever ask for them again or forget them.
    /// </summary>
    public async ValueTask<Func<LabelSet, double?>> ComputeOnceAsync(AlertRule rule, CancellationToken cancellationToken) =>
        LookUp((await ComputeAsync(rule, Definition(rule), time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false)).Values);

    /// <summary>The ids of the rules whose baselines are kept; for tests.</summary>
    internal IReadOnlyList<string> RuleIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Keys];
            }
        }
    }

    /// <summary>Forgets the baselines of rules that no longer exist.</summary>
    public void Retain(IReadOnlyCollection<string> ruleIds)
    {
        lock (_lock)
        {
            foreach (var id in _entries.Keys.Where(id => !ruleIds.Contains(id)).ToList())
            {
                _entries.Remove(id);
            }
        }
    }

    private async Task<Entry> ComputeAsync(AlertRule rule, string definition, DateTimeOffset now, Entry? previous, CancellationToken cancellationToken)
    {
        var (fromMs, toMs) = RangeOf(rule, now);
        try
        {
            var values = await history.BaselinesAsync(rule, fromMs, toMs, cancellationToken).ConfigureAwait(false);
            return new Entry(definition, values, now + MaxAge);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogBaselineFailed(ex, rule.Id);
            var kept = previous is not null && previous.Definition == definition ? previous.Values : [];
            return new Entry(definition, kept, now + RetryAfterFailure);
        }
    }

    /// <summary>
    /// The range a baseline is computed over: the days before the rule's current window, so
    /// the episode being judged does not raise its own bar.
    /// </summary>
    public static (long FromMs, long ToMs) RangeOf(AlertRule rule, DateTimeOffset now) =>
        (now.AddDays(-rule.BaselineDays).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds() - (long)rule.Window.TotalMilliseconds);

    private static Func<LabelSet, double?> LookUp(Dictionary<LabelSet, double> values) =>
        group => values.TryGetValue(group, out var v) ? v : null;

    private static string Definition(AlertRule rule) =>
        string.Join('\u001f', rule.Metric, rule.Aggregation, rule.WindowMinutes, rule.MinDataPoints, rule.BaselineDays,
            string.Join(',', rule.GroupBy), string.Join(',', rule.Match.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "=" + m.Value)));

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Reading the baseline of rule {RuleId} failed; it is tried again in a minute")]
    private partial void LogBaselineFailed(Exception exception, string ruleId);

    private sealed record Entry(string Definition, Dictionary<LabelSet, double> Values, DateTimeOffset RefreshAt);
}
