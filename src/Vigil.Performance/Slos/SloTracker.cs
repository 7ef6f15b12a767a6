using System.Globalization;
using Vigil.Core;
using Vigil.Core.Metrics;
using Vigil.Performance.Regressions;
using Vigil.Storage;
using Vigil.Storage.Coordination;
using Vigil.Storage.Metrics;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Slos;

/// <summary>
/// Tracks the service-level objectives: once a minute, on one process, counts each objective's
/// good and total events of the minutes completed since (from memory, two minutes after a minute
/// ends), keeps its last six hours of minutes in memory and its hours in the database (summed from
/// the stored rollups when an hour completes; at start-up, back over the objective's window), and
/// computes its status — the SLI and the error budget left over the window, the burn rates over
/// 5 minutes, 30 minutes, 1 hour, 6 hours and 3 days — which it stores for the API. An objective
/// burning its budget too fast raises the <c>slo_burn_page</c> alert (14.4× over 1 h and 5 min, or
/// 6× over 6 h and 30 min) or the <c>slo_burn_ticket</c> alert (1× over 3 days and 6 h), the
/// multi-window, multi-burn-rate alerts of the Google SRE workbook.
/// </summary>
public sealed class SloTracker(
    MetricStore store,
    RollupRepository rollups,
    SloRepository slos,
    Database database,
    TimeProvider time,
    ILogger<SloTracker> logger,
    IPerformanceAlertSink? sink = null) : MinutePass(database, LockKey, time, logger)
{
    /// <summary>The rule of the page alert.</summary>
    public const string PageRuleId = "slo_burn_page";

    /// <summary>The rule of the ticket alert.</summary>
    public const string TicketRuleId = "slo_burn_ticket";

    private const long MinuteMs = 60_000;
    private const long HourMs = 3_600_000;
    private const int RingMinutes = 360;
    private const long LockKey = 0x56_49_47_49_4C_12; // "VIGIL" + 0x12
    private static readonly long LagMs = (long)RegressionMonitor.Lag.TotalMilliseconds;

    private readonly Dictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);
    private bool _reconciled;

    /// <summary>A pass over every objective; returns how many statuses it stored.</summary>
    protected override async Task<int> PassAsync(long nowMs, CancellationToken cancellationToken)
    {
        var lastMinuteMs = (FloorDivision.Of(nowMs, MinuteMs) * MinuteMs) - LagMs;
        var stored = await slos.ListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var gone in _tracked.Keys.Where(id => !stored.Any(s => s.Id == id)).ToArray())
        {
            await ClearAsync(_tracked[gone], cancellationToken).ConfigureAwait(false);
            _tracked.Remove(gone);
        }

        var done = 0;
        foreach (var slo in stored)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var definition = SloJson.Read(slo.Definition);
            if (!_tracked.TryGetValue(slo.Id, out var tracked) || tracked.UpdatedAtMs != slo.UpdatedAtMs)
            {
                if (tracked is not null)
                {
                    await ClearAsync(tracked, cancellationToken).ConfigureAwait(false);
                }

                _tracked[slo.Id] = tracked = new Tracked(slo.Id, slo.UpdatedAtMs, definition);
            }

            if (!definition.Enabled)
            {
                await ClearAsync(tracked, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await AdvanceAsync(tracked, lastMinuteMs, cancellationToken).ConfigureAwait(false);
            var status = Status(tracked, lastMinuteMs, DateTimeOffset.FromUnixTimeMilliseconds(nowMs));

            // Stored when it changed, and at least every 5 minutes (computedAt says how fresh it is).
            if (tracked.Written is not { } written || written with { ComputedAt = default } != status with { ComputedAt = default }
                || status.ComputedAt - written.ComputedAt >= TimeSpan.FromMinutes(5))
            {
                await slos.SetStatusAsync(slo.Id, slo.UpdatedAtMs, status.ToJson(), cancellationToken).ConfigureAwait(false);
                tracked.Written = status;
                done++;
            }

            await AlertAsync(tracked, slo.Name, status, cancellationToken).ConfigureAwait(false);
        }

        if (!_reconciled && sink is not null)
        {
            // First pass on this process: the alerts open are exactly those of the objectives burning now
            // (one call per rule, whatever the number of objectives; alerts left open by another process resolve).
            await ReconcileAsync(cancellationToken).ConfigureAwait(false);
        }

        return done;
    }

    /// <inheritdoc />
    protected override void OnNotLeader()
    {
        _tracked.Clear();
        _reconciled = false;
    }

    /// <summary>Adds the minutes and the complete hours not counted yet.</summary>
    private async Task AdvanceAsync(Tracked tracked, long lastMinuteMs, CancellationToken cancellationToken)
    {
        var definition = tracked.Definition;
        var fromMinute = Math.Max(tracked.FedToMs + MinuteMs, lastMinuteMs - ((RingMinutes - 1) * MinuteMs));
        var memoryFromMs = (FloorDivision.Of(store.MemoryHorizonMs, MinuteMs) * MinuteMs) + MinuteMs;
        if (fromMinute < memoryFromMs && fromMinute <= lastMinuteMs)
        {
            foreach (var (minuteMs, count) in await CountRollupsAsync(definition, fromMinute, Math.Min(memoryFromMs, lastMinuteMs + MinuteMs), cancellationToken).ConfigureAwait(false))
            {
                tracked.Minutes[Slot(minuteMs)] = (minuteMs, count);
            }
        }

        var series = Matching(definition);
        var accumulator = new WindowAccumulator();
        for (var minuteMs = Math.Max(fromMinute, memoryFromMs); minuteMs <= lastMinuteMs; minuteMs += MinuteMs)
        {
            tracked.Minutes[Slot(minuteMs)] = (minuteMs, Count(definition, series, minuteMs, accumulator));
        }

        tracked.FedToMs = Math.Max(tracked.FedToMs, lastMinuteMs);

        // Hours: complete ones (the last minute of the hour counted) not stored yet, from the rollups.
        var completeToMs = FloorDivision.Of(lastMinuteMs + MinuteMs, HourMs) * HourMs;
        var windowFromMs = completeToMs - (definition.WindowDays * 24 * HourMs);
        if (tracked.Hours is null)
        {
            tracked.Hours = [.. await slos.HoursAsync(tracked.Id, windowFromMs, completeToMs, cancellationToken).ConfigureAwait(false)];
            tracked.HoursToMs = tracked.Hours.Count > 0 ? tracked.Hours[^1].HourMs + HourMs : windowFromMs;
        }

        var added = new List<(long HourMs, double Good, double Total)>();
        var missingFromMs = Math.Max(tracked.HoursToMs, windowFromMs);
        if (missingFromMs < completeToMs)
        {
            // An hour completed: the last one counted is counted again with it, for points that arrived late.
            missingFromMs = Math.Max(missingFromMs - HourMs, windowFromMs);

            // From the first hour with rollups of the metric: a new objective, a new installation or a
            // metric nobody sends costs one query, not one an hour of the window.
            var firstMs = await rollups.FirstMinuteAsync(definition.Metric, missingFromMs, cancellationToken).ConfigureAwait(false);
            missingFromMs = firstMs is { } minuteMs ? Math.Min(Math.Max(missingFromMs, FloorDivision.Of(minuteMs, HourMs) * HourMs), completeToMs) : completeToMs;
        }

        for (var hourMs = missingFromMs; hourMs < completeToMs; hourMs += HourMs)
        {
            var sum = default(EventCount);
            foreach (var (_, count) in await CountRollupsAsync(definition, hourMs, hourMs + HourMs, cancellationToken).ConfigureAwait(false))
            {
                sum += count;
            }

            added.Add((hourMs, sum.Good, sum.Total));
        }

        await slos.SaveHoursAsync(tracked.Id, added, cancellationToken).ConfigureAwait(false);
        tracked.Hours.RemoveAll(h => h.HourMs >= missingFromMs);
        tracked.Hours.AddRange(added);
        tracked.Hours.RemoveAll(h => h.HourMs < windowFromMs);
        tracked.HoursToMs = Math.Max(tracked.HoursToMs, completeToMs);
    }

    private static SloStatus Status(Tracked tracked, long lastMinuteMs, DateTimeOffset at)
    {
        EventCount Minutes(int minutes)
        {
            var sum = default(EventCount);
            for (var m = 0; m < minutes; m++)
            {
                var minuteMs = lastMinuteMs - (m * MinuteMs);
                var (stamp, count) = tracked.Minutes[Slot(minuteMs)];
                if (stamp == minuteMs)
                {
                    sum += count;
                }
            }

            return sum;
        }

        // Longer periods: the stored hours, then the minutes of the hour under way.
        var hourStartMs = FloorDivision.Of(lastMinuteMs + MinuteMs, HourMs) * HourMs;
        var partial = Minutes((int)((lastMinuteMs + MinuteMs - hourStartMs) / MinuteMs));
        EventCount Hours(long fromMs)
        {
            var sum = partial;
            foreach (var (hourMs, good, total) in tracked.Hours!)
            {
                if (hourMs >= fromMs)
                {
                    sum += new EventCount(good, total);
                }
            }

            return sum;
        }

        var definition = tracked.Definition;
        return SloStatus.Of(definition, Hours(hourStartMs - (definition.WindowDays * 24 * HourMs)), Minutes(5), Minutes(30), Minutes(60), Minutes(360),
            Hours(hourStartMs - (72 * HourMs)), at);
    }

    /// <summary>Raises or clears the page and ticket alerts when the status changes them (after the first pass, which reconciles them all at once).</summary>
    private async Task AlertAsync(Tracked tracked, string name, SloStatus status, CancellationToken cancellationToken)
    {
        var rates = status.BurnRates;
        var page = rates.Page;
        var ticket = rates.Ticket && !page;
        var group = LabelSet.From([new("slo", name), new("slo_id", tracked.Id)]);
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"{name}: burning its error budget at {rates.OneHour ?? 0:0.#}× over the last hour, {rates.SixHours ?? 0:0.#}× over 6 hours, {rates.ThreeDays ?? 0:0.##}× over 3 days; {status.BudgetRemainingPercent ?? 100:0.#} % of the {tracked.Definition.WindowDays}-day budget left.");
        // The value against the threshold of the arm that pages: 14.4× over the hour, else 6× over 6 hours (a value of 10 shown against 14.4 read as below it).
        var (pageValue, pageThreshold) = page && !(rates.OneHour >= 14.4 && rates.FiveMinutes >= 14.4) ? (rates.SixHours ?? 0, 6.0) : (rates.OneHour ?? 0, 14.4);
        var pageCondition = new PerformanceCondition(PageRuleId, group, page, reason, pageValue, pageThreshold);
        var ticketCondition = new PerformanceCondition(TicketRuleId, group, ticket, reason, rates.ThreeDays ?? 0, 1);
        if (sink is not null && _reconciled && tracked.Page != page)
        {
            await sink.ReportAsync(pageCondition, cancellationToken).ConfigureAwait(false);
        }

        if (sink is not null && _reconciled && tracked.Ticket != ticket)
        {
            await sink.ReportAsync(ticketCondition, cancellationToken).ConfigureAwait(false);
        }

        (tracked.Page, tracked.Ticket, tracked.PageCondition, tracked.TicketCondition) = (page, ticket, pageCondition, ticketCondition);
    }

    /// <summary>Reports, per rule, every objective whose condition holds now, so the rule's other open alerts resolve.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var tracked = _tracked.Values.Where(t => t.Definition.Enabled).ToArray();
        await sink!.ReconcileAsync(PageRuleId, [.. tracked.Where(t => t.Page).Select(t => t.PageCondition!)], cancellationToken).ConfigureAwait(false);
        await sink.ReconcileAsync(TicketRuleId, [.. tracked.Where(t => t.Ticket).Select(t => t.TicketCondition!)], cancellationToken).ConfigureAwait(false);
        _reconciled = true;
    }

    /// <summary>Clears the alerts of an objective that was removed, disabled or changed.</summary>
    private async Task ClearAsync(Tracked tracked, CancellationToken cancellationToken)
    {
        if (sink is null || !(tracked.Page || tracked.Ticket))
        {
            return;
        }

        var group = LabelSet.From([new("slo", tracked.Definition.Name), new("slo_id", tracked.Id)]);
        const string Reason = "The objective was changed, disabled or deleted.";
        await sink.ReportAsync(new PerformanceCondition(PageRuleId, group, false, Reason, 0, 14.4), cancellationToken).ConfigureAwait(false);
        await sink.ReportAsync(new PerformanceCondition(TicketRuleId, group, false, Reason, 0, 1), cancellationToken).ConfigureAwait(false);
        (tracked.Page, tracked.Ticket) = (false, false);
    }

    private List<MetricSeries> Matching(SloDefinition definition) =>
        store.Family(definition.Metric) is { } family ? [.. family.Series.ToArray().Where(s => s.Labels.Matches(definition.Match))] : [];

    /// <summary>One minute's events from memory.</summary>
    private static EventCount Count(SloDefinition definition, List<MetricSeries> series, long minuteMs, WindowAccumulator accumulator)
    {
        if (definition.Kind == SloKind.Gauge)
        {
            var sum = default(EventCount);
            foreach (var s in series)
            {
                accumulator.Reset();
                s.AggregateInto(accumulator, minuteMs, minuteMs + MinuteMs);
                if (accumulator.Count > 0)
                {
                    sum += new EventCount(Meets(definition, accumulator.Sum / accumulator.Count) ? 1 : 0, 1);
                }
            }

            return sum;
        }

        accumulator.Reset();
        foreach (var s in series)
        {
            s.AggregateInto(accumulator, minuteMs, minuteMs + MinuteMs);
        }

        return Events(definition, accumulator);
    }

    /// <summary>The events of each minute in [<paramref name="fromMs"/>, <paramref name="toMs"/>) from the stored rollups.</summary>
    private async Task<List<(long MinuteMs, EventCount Count)>> CountRollupsAsync(SloDefinition definition, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var byMinute = new SortedDictionary<long, List<(Rollup Rollup, bool IsError)>>();
        foreach (var (series, rollup) in await rollups.ReadMetricAsync(definition.Metric, fromMs, toMs, cancellationToken).ConfigureAwait(false))
        {
            var labels = LabelSet.ParseKeyLabels(series.Key);
            if (!labels.Matches(definition.Match))
            {
                continue;
            }

            if (!byMinute.TryGetValue(rollup.MinuteStartMs, out var list))
            {
                byMinute[rollup.MinuteStartMs] = list = [];
            }

            list.Add((rollup, MetricSeries.IsErrorStatus(labels["status"])));
        }

        var counts = new List<(long, EventCount)>(byMinute.Count);
        var accumulator = new WindowAccumulator();
        foreach (var (minuteMs, list) in byMinute)
        {
            if (definition.Kind == SloKind.Gauge)
            {
                var sum = default(EventCount);
                foreach (var (rollup, _) in list)
                {
                    sum += rollup.Count > 0 ? new EventCount(Meets(definition, rollup.Sum / rollup.Count) ? 1 : 0, 1) : default;
                }

                counts.Add((minuteMs, sum));
                continue;
            }

            accumulator.Reset();
            foreach (var (rollup, isError) in list)
            {
                accumulator.AddRollup(rollup, isError);
            }

            counts.Add((minuteMs, Events(definition, accumulator)));
        }

        return counts;
    }

    private static EventCount Events(SloDefinition definition, WindowAccumulator accumulator) => definition.Kind == SloKind.Latency
        ? new EventCount(accumulator.CountAtOrBelow(definition.ThresholdMs!.Value), accumulator.Count)
        : new EventCount(accumulator.Count - accumulator.ErrorCount, accumulator.Count);

    private static bool Meets(SloDefinition definition, double value) =>
        definition.Comparison == SloComparison.LessThan ? value < definition.Threshold : value > definition.Threshold;

    private static int Slot(long minuteMs)
    {
        var index = FloorDivision.Of(minuteMs, MinuteMs) % RingMinutes;
        return (int)(index < 0 ? index + RingMinutes : index);
    }

    /// <summary>What the tracker keeps of one objective.</summary>
    private sealed class Tracked(string id, long updatedAtMs, SloDefinition definition)
    {
        public string Id { get; } = id;

        public long UpdatedAtMs { get; } = updatedAtMs;

        public SloDefinition Definition { get; } = definition;

        public (long MinuteMs, EventCount Count)[] Minutes { get; } = new (long, EventCount)[RingMinutes];

        public long FedToMs { get; set; } = long.MinValue / 2;

        public List<(long HourMs, double Good, double Total)>? Hours { get; set; }

        public long HoursToMs { get; set; }

        public SloStatus? Written { get; set; }

        public bool Page { get; set; }

        public bool Ticket { get; set; }

        public PerformanceCondition? PageCondition { get; set; }

        public PerformanceCondition? TicketCondition { get; set; }
    }
}
