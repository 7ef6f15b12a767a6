using System.Text.Json;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;
using Vigil.Performance.Regressions;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Operations;

/// <summary>A baseline as the API shows it.</summary>
/// <param name="Level"><c>hour_of_week</c> (this hour of the week in past weeks) or <c>all_hours</c> (every hour of the baseline period).</param>
/// <param name="HourOfWeek">The hour of the week (0 = Monday 00:00 UTC) for <c>hour_of_week</c>, else null.</param>
/// <param name="Figures">Executions (the sample size), failure rate, avg, p50, p95, p99 and throughput.</param>
/// <param name="From">Start of the first hour covered.</param>
/// <param name="To">End of the last hour covered.</param>
/// <param name="ComputedAt">When it was computed.</param>
public sealed record BaselineView(string Level, int? HourOfWeek, OperationFigures Figures, DateTimeOffset From, DateTimeOffset To, DateTimeOffset ComputedAt)
{
    internal static BaselineView Of(StoredBaseline stored) => new(
        stored.Slot < 0 ? "all_hours" : "hour_of_week",
        stored.Slot < 0 ? null : stored.Slot,
        new OperationFigures(stored.Executions, stored.Failures, stored.Executions == 0 ? 0 : Math.Round(100.0 * stored.Failures / stored.Executions, 2),
            stored.AvgMs, stored.P50Ms, stored.P95Ms, stored.P99Ms, stored.Minutes > 0 ? Math.Round((double)stored.Executions / stored.Minutes, 2) : 0),
        DateTimeOffset.FromUnixTimeMilliseconds(stored.FromMs),
        DateTimeOffset.FromUnixTimeMilliseconds(stored.ToMs),
        DateTimeOffset.FromUnixTimeMilliseconds(stored.ComputedAtMs));
}

/// <summary>An operation's last hour, live, against its baseline.</summary>
/// <param name="Figures">The figures of the last 60 minutes (from memory: not waiting for an analysis).</param>
/// <param name="P95ChangePercent">The p95's change against the baseline's, percent, one decimal; null without both.</param>
/// <param name="AvgChangePercent">The average's change against the baseline's, percent, one decimal; null without a baseline.</param>
public sealed record CurrentView(OperationFigures Figures, double? P95ChangePercent, double? AvgChangePercent);

/// <summary>One operation with what is known about it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Kind"><c>route</c>, <c>job</c> or a configured kind.</param>
/// <param name="Name">Its name (<c>GET /api/orders</c>, a job id).</param>
/// <param name="Service">Its service, or null.</param>
/// <param name="Labels">Its identifying labels.</param>
/// <param name="Metric">The timing metric.</param>
/// <param name="FirstSeen">The start of the first hour it ran in.</param>
/// <param name="LastSeen">The end of the last complete hour it ran in.</param>
/// <param name="Baseline">The baseline the current hour is compared with: this hour of the week when there is one, else all hours; null before 10 executions.</param>
/// <param name="Current">The last 60 minutes, or null when it did not run in them.</param>
/// <param name="Summary">The last analysis: last 24 hours, trends, bottleneck; null before the first.</param>
/// <param name="Regression">Its open regression, or null.</param>
public sealed record OperationView(
    string Id, string Kind, string Name, string? Service, IReadOnlyDictionary<string, string> Labels, string Metric,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, BaselineView? Baseline, CurrentView? Current, OperationSummary? Summary, RegressionView? Regression);

/// <summary>One hour of an operation's executions.</summary>
/// <param name="Hour">The start of the hour.</param>
/// <param name="Figures">Its figures.</param>
public sealed record OperationHourView(DateTimeOffset Hour, OperationFigures Figures);

/// <summary>An operation in detail: everything of <see cref="OperationView"/>, every baseline it has, and its last 48 hours.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Baselines">Its baselines: all hours first, then each hour of the week that has one.</param>
/// <param name="Hours">Its summed hours of the 48 before the current one, oldest first (hours without executions left out; an hour is summed by the first analysis 2 minutes or more after it ends).</param>
public sealed record OperationDetail(OperationView Operation, IReadOnlyList<BaselineView> Baselines, IReadOnlyList<OperationHourView> Hours);

/// <summary>The p95 of each of an operation's last hours, for a sparkline.</summary>
/// <param name="FromMs">The start of the first hour (Unix ms).</param>
/// <param name="P95Ms">One value per hour, oldest first; null for an hour without executions.</param>
public sealed record OperationTrail(long FromMs, IReadOnlyList<double?> P95Ms);

/// <summary>
/// Reads operations for the API: what the analyses stored (operations, baselines, summaries) with
/// the live last hour from the in-memory store.
/// </summary>
public sealed class OperationsView(OperationRepository repository, RegressionRepository regressions, OperationCatalog catalog, MetricStore store)
{
    /// <summary>The summed hours an operation's detail holds: the 48 before the current one.</summary>
    public const int DetailHours = 48;

    private const long HourMs = 3_600_000;

    /// <summary>Every operation, optionally of one kind or service only.</summary>
    public async Task<IReadOnlyList<OperationView>> ListAsync(string? kind, string? service, CancellationToken cancellationToken)
    {
        var nowMs = store.NowMs;
        var slot = HourOfWeek.Of(nowMs, TimeZoneInfo.Utc);
        var operations = (await repository.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(o => (kind is null || o.Kind == kind) && (service is null || o.Service == service)).ToArray();
        var flat = (await repository.BaselinesAsync(slot: -1, cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.OperationId, StringComparer.Ordinal);
        var seasonal = (await repository.BaselinesAsync(slot: slot, cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.OperationId, StringComparer.Ordinal);
        var current = Current(nowMs, cancellationToken);
        var open = (await regressions.OpenAsync(cancellationToken).ConfigureAwait(false))
            .GroupBy(r => r.OperationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal); // newest first; one open each but for a race between processes
        var views = operations.Select(o => View(o, seasonal.GetValueOrDefault(o.Id) ?? flat.GetValueOrDefault(o.Id), (current.TryGetValue(o.Id, out var live) ? live.Figures : null), open.GetValueOrDefault(o.Id))).ToList();
        var known = operations.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, live) in current)
        {
            if (!known.Contains(id) && (kind is null || live.Key.Kind == kind) && (service is null || live.Key.Service == service))
            {
                views.Add(View(Unsummed(live), null, live.Figures, open.GetValueOrDefault(id)));
            }
        }

        // The stored ones come by kind and name; those from memory take their places among them.
        return [.. views.OrderBy(v => v.Kind, StringComparer.Ordinal).ThenBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// An operation seen in the last hour that no analysis has stored yet (one is stored by the first
    /// analysis after the first hour it ran in ends): listed from memory, first and last seen the
    /// start of that hour, without baseline or summary, so one appears as soon as it runs.
    /// </summary>
    private static StoredOperation Unsummed((OperationKey Key, OperationFigures Figures, long FirstMs) live)
    {
        var hourMs = live.FirstMs / HourMs * HourMs;
        return new StoredOperation(live.Key.Id, live.Key.Kind, live.Key.Metric, live.Key.Service, live.Key.Name, live.Key.LabelsJson, hourMs, hourMs);
    }

    /// <summary>One operation in detail, or null when there is none with this id.</summary>
    public async Task<OperationDetail?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var nowMs = store.NowMs;
        var current = Current(nowMs, cancellationToken, id);
        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } operation)
        {
            return current.TryGetValue(id, out var seen)
                ? new OperationDetail(View(Unsummed(seen), null, seen.Figures, (await regressions.ListAsync("open", "regression", id, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault()), [], [])
                : null;
        }

        var slot = HourOfWeek.Of(nowMs, TimeZoneInfo.Utc);
        var baselines = await repository.BaselinesAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
        var compared = baselines.FirstOrDefault(b => b.Slot == slot) ?? baselines.FirstOrDefault(b => b.Slot < 0);
        var hourEnd = nowMs / HourMs * HourMs;
        var hours = await repository.HoursAsync(hourEnd - (DetailHours * HourMs), hourEnd, id, cancellationToken).ConfigureAwait(false);
        var accumulator = new WindowAccumulator();
        var hourViews = new List<OperationHourView>(hours.Count);
        foreach (var hour in hours)
        {
            accumulator.Reset();
            accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
            hourViews.Add(new OperationHourView(DateTimeOffset.FromUnixTimeMilliseconds(hour.HourMs), OperationFigures.From(accumulator, 60)!));
        }

        var open = (await regressions.ListAsync("open", "regression", id, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        return new OperationDetail(View(operation, compared, (current.TryGetValue(id, out var live) ? live.Figures : null), open), [.. baselines.Select(BaselineView.Of)], hourViews);
    }

    /// <summary>
    /// The p95 of each of the <paramref name="hours"/> summed hours before the current one, of every
    /// operation with executions in them (one read of the hourly sums for all).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, OperationTrail>> TrailsAsync(int hours, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hours);
        var hourEnd = store.NowMs / HourMs * HourMs;
        var fromMs = hourEnd - (hours * HourMs);
        var accumulator = new WindowAccumulator();
        var values = new Dictionary<string, double?[]>(StringComparer.Ordinal);
        foreach (var hour in await repository.HoursAsync(fromMs, hourEnd, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!values.TryGetValue(hour.OperationId, out var p95))
            {
                values[hour.OperationId] = p95 = new double?[hours];
            }

            accumulator.Reset();
            accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
            p95[(hour.HourMs - fromMs) / HourMs] = OperationFigures.From(accumulator, 60)?.P95Ms;
        }

        return values.ToDictionary(v => v.Key, v => new OperationTrail(fromMs, v.Value), StringComparer.Ordinal);
    }

    private static OperationView View(StoredOperation operation, StoredBaseline? baseline, OperationFigures? current, StoredRegression? regression)
    {
        var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(operation.Labels) ?? [];
        var baselineView = baseline is null ? null : BaselineView.Of(baseline);
        var currentView = current is null ? null : new CurrentView(current, Change(current.P95Ms, baseline?.P95Ms), Change(current.AvgMs, baseline?.AvgMs));
        return new OperationView(operation.Id, operation.Kind, operation.Name, operation.Service, labels, operation.Metric,
            DateTimeOffset.FromUnixTimeMilliseconds(operation.FirstSeenMs), DateTimeOffset.FromUnixTimeMilliseconds(operation.LastSeenMs),
            baselineView, currentView, OperationSummary.FromJson(operation.Summary), regression is null ? null : RegressionView.Of(regression));
    }

    private static double? Change(double? current, double? baseline) =>
        current is { } now && baseline is > 0 and var before ? Math.Round(100 * (now - before) / before, 1) : null;

    /// <summary>
    /// The figures of the last 60 minutes of every operation (or only <paramref name="onlyId"/>) from
    /// the in-memory store, with its key and the start of its oldest minute there.
    /// </summary>
    private Dictionary<string, (OperationKey Key, OperationFigures Figures, long FirstMs)> Current(long nowMs, CancellationToken cancellationToken, string? onlyId = null)
    {
        var figures = new Dictionary<string, (OperationKey Key, OperationFigures Figures, long FirstMs)>(StringComparer.Ordinal);
        var accumulator = new WindowAccumulator();
        foreach (var (key, list) in catalog.SeriesByOperation(store, onlyId))
        {
            cancellationToken.ThrowIfCancellationRequested();
            accumulator.Reset();
            foreach (var series in list)
            {
                series.AggregateInto(accumulator, nowMs - HourMs, long.MaxValue);
            }

            if (OperationFigures.From(accumulator, 60) is { } found)
            {
                figures[key.Id] = (key, found, Math.Max(nowMs - HourMs, list.Min(s => s.OldestBucketStart ?? nowMs)));
            }
        }

        return figures;
    }
}
