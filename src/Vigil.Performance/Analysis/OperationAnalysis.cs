using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Core;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;
using Vigil.Jobs.Scheduling;
using Vigil.Performance.Operations;
using Vigil.Storage.Metrics;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Analysis;

/// <summary>
/// The <see cref="BuiltInSchedules.Aggregation"/> task of performance tracking (seed 002's
/// 30-minute aggregation): sums each operation's executions of every complete hour not summed yet
/// from the stored 1-minute rollups, and again those of the hours whose rollups were written late
/// (<see cref="RollupRepository.LateHoursAsync"/>: points that arrived after their hour was summed),
/// then recomputes the summaries and all-hours baselines of the operations with executions in the
/// periods analysed, and the hour-of-week baselines of the slots whose hours changed (all of them
/// on a first run).
/// Idempotent: a run repeated for the same due time does nothing; one after a crash recomputes
/// what the crashed one may have left undone.
/// </summary>
/// <remarks>
/// A baseline is the merged sketch of a set of hours, so its percentiles are those of every
/// execution in them (within the sketch's 1 %), not an average of hourly percentiles: the
/// all-hours baseline covers <see cref="PerformanceOptions.BaselinePeriod"/> up to the last
/// complete hour; an hour-of-week baseline covers that hour of the week in the last
/// <see cref="PerformanceOptions.SeasonalWeeks"/> weeks, and exists when those hours hold at least
/// <see cref="PerformanceOptions.MinExecutions"/> executions from at least two weeks.
/// Scale (issue 13: 10 000 operations with 30 days of history in seconds): the windows (last 24
/// hours and 7 days, those before them, the all-hours period) merge 6-hour blocks and UTC days of
/// hourly sums where they cover whole ones (<see cref="OperationRepository.SpansAtAsync"/>), each
/// computed once from its parts in time order and stored (an hour summed again drops the block and
/// day that hold it), so the result is the same as merging the hours; operations are analysed
/// <see cref="ChunkSize"/> at a time (<see cref="FullChunkSize"/> when every slot is recomputed; a run of ids in order), each chunk read by one range of the
/// primary keys per hour, block or day and written in one transaction (memory: one chunk's sums; no
/// long write lock). Memory while summing: one hour of one metric's rollups at a time.
/// </remarks>
internal sealed partial class OperationAnalysis(
    RollupRepository rollups,
    OperationRepository operations,
    RegressionRepository regressions,
    OperationCatalog catalog,
    IOptionsMonitor<PerformanceOptions> options,
    TimeProvider time,
    ILogger<OperationAnalysis> logger) : IScheduledTask
{
    /// <summary>
    /// How long after an hour ends its rollups are taken as complete: longer than
    /// <see cref="RollupRepository.LateAfter"/>, so a rollup written later than that is marked late,
    /// and one written before has committed.
    /// </summary>
    public static readonly TimeSpan FlushMargin = RollupRepository.LateAfter * 2;

    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;
    private const long WeekMs = 7 * DayMs;

    private const int BlockHours = 6;

    /// <summary>
    /// Operations analysed together when only some hour-of-week slots are recomputed (an hourly run
    /// reads about 50 stored sums an operation): one read of each kind and one write per chunk; a
    /// write transaction of a chunk stays short.
    /// </summary>
    private const int ChunkSize = 1000;

    /// <summary>Operations analysed together when every slot is recomputed (a first run reads 4 weeks of hours, about 700 sums an operation): bounds memory.</summary>
    private const int FullChunkSize = 250;

    public string Schedule => BuiltInSchedules.Aggregation;

    public string Name => "performance.operations";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var completeToMs = HourStart(nowMs - (long)FlushMargin.TotalMilliseconds);
        var oldestMs = HourStart(nowMs - (long)settings.HourRetention.TotalMilliseconds);
        var summedTo = await operations.SummedToAsync(cancellationToken).ConfigureAwait(false);
        var analysedTo = await operations.AnalysedToAsync(cancellationToken).ConfigureAwait(false);
        var late = await rollups.LateHoursAsync(completeToMs, cancellationToken).ConfigureAwait(false);
        var lateHours = summedTo is { } summed ? late.Keys.Where(h => h >= oldestMs && h < summed).ToArray() : [];
        if (summedTo >= completeToMs && lateHours.Length == 0)
        {
            return null; // no hour completed since the last run, and no late points
        }

        var fromMs = Math.Max(summedTo ?? oldestMs, oldestMs);
        fromMs = await FirstHourWithExecutionsAsync(fromMs, completeToMs, cancellationToken).ConfigureAwait(false);
        var hoursToSum = lateHours.Concat(Hours(fromMs, completeToMs)).ToArray();

        var accumulator = new WindowAccumulator();
        var seriesKeys = new Dictionary<long, (OperationKey? Key, bool IsError)>(); // each series' operation, parsed once a run
        foreach (var hourMs in hoursToSum)
        {
            await SumHourAsync(hourMs, Math.Max(hourMs + HourMs, summedTo ?? 0), accumulator, seriesKeys, cancellationToken).ConfigureAwait(false);
        }

        if (fromMs >= completeToMs)
        {
            // No executions in the hours completed since the last run: the progress moves on all the same.
            await operations.SaveHourAsync([], [], Math.Max(completeToMs, summedTo ?? 0), cancellationToken).ConfigureAwait(false);
        }

        // Every hour marked was summed again now, is past the retention, or has no rollups of an operation metric (summed or not, nothing changes).
        await rollups.ClearLateHoursAsync(late, cancellationToken).ConfigureAwait(false);

        var (baselines, rowsRead) = await RefreshBaselinesAsync(settings, completeToMs, nowMs, ChangedSlots(analysedTo, completeToMs, hoursToSum), accumulator, cancellationToken).ConfigureAwait(false);
        var deleted = await operations.DeleteHoursBeforeAsync(oldestMs, cancellationToken).ConfigureAwait(false);
        await regressions.DeleteFinishedBeforeAsync(nowMs - (long)settings.RegressionRetention.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        LogRun(logger, hoursToSum.Length, lateHours.Length, baselines, deleted);
        return string.Create(CultureInfo.InvariantCulture, $"summed {hoursToSum.Length} hours ({lateHours.Length} again for late points); baselines of {baselines} operations; read {rowsRead} stored sums");
    }

    /// <summary>
    /// The start of the first hour from <paramref name="fromMs"/> with rollups of an operation
    /// metric, or <paramref name="toMs"/> when there is none: a first run, or one after a long
    /// silence, does not walk weeks of empty hours.
    /// </summary>
    private async Task<long> FirstHourWithExecutionsAsync(long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var firstMs = toMs;
        foreach (var metric in catalog.Metrics)
        {
            if (await rollups.FirstMinuteAsync(metric, fromMs, cancellationToken).ConfigureAwait(false) is { } minuteMs)
            {
                firstMs = Math.Min(firstMs, HourStart(minuteMs));
            }
        }

        return firstMs;
    }

    /// <summary>Sums one hour's rollups of every operation metric into one row per operation.</summary>
    private async Task SumHourAsync(long hourMs, long summedToMs, WindowAccumulator accumulator, Dictionary<long, (OperationKey? Key, bool IsError)> seriesKeys, CancellationToken cancellationToken)
    {
        var byOperation = new Dictionary<string, (OperationKey Key, List<(Rollup Rollup, bool IsError)> Rollups)>(StringComparer.Ordinal);
        foreach (var metric in catalog.Metrics)
        {
            foreach (var (series, rollup) in await rollups.ReadMetricAsync(metric, hourMs, hourMs + HourMs, cancellationToken).ConfigureAwait(false))
            {
                if (!seriesKeys.TryGetValue(series.Id, out var known))
                {
                    var labels = LabelSet.ParseKeyLabels(series.Key);
                    seriesKeys[series.Id] = known = (catalog.KeyOf(metric, labels), MetricSeries.IsErrorStatus(labels["status"]));
                }

                if (known.Key is not { } key)
                {
                    continue;
                }

                if (!byOperation.TryGetValue(key.Id, out var entry))
                {
                    byOperation[key.Id] = entry = (key, []);
                }

                entry.Rollups.Add((rollup, known.IsError));
            }
        }

        var found = new List<StoredOperation>(byOperation.Count);
        var hours = new List<StoredOperationHour>(byOperation.Count);
        foreach (var (id, (key, list)) in byOperation)
        {
            accumulator.Reset();
            foreach (var (rollup, isError) in list)
            {
                accumulator.AddRollup(rollup, isError);
            }

            if (accumulator.Count == 0)
            {
                continue;
            }

            found.Add(new StoredOperation(id, key.Kind, key.Metric, key.Service, key.Name, key.LabelsJson, hourMs, hourMs + HourMs));
            hours.Add(new StoredOperationHour(id, hourMs, accumulator.Count, accumulator.ErrorCount, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.PackedBins()));
        }

        await operations.SaveHourAsync(found, hours, summedToMs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Recomputes the summaries and all-hours baselines of every operation with executions since
    /// the start of the seasonal, all-hours or 14-day period, and their hour-of-week baselines of
    /// the slots whose hours changed since the last analysis (every slot on a first run or after a
    /// week without one), a chunk of operations at a time; returns how many operations have an
    /// all-hours baseline and how many stored sums were read.
    /// </summary>
    private async Task<(int WithBaseline, long RowsRead)> RefreshBaselinesAsync(PerformanceOptions settings, long toMs, long nowMs, int[]? slots, WindowAccumulator accumulator, CancellationToken cancellationToken)
    {
        var flatFromMs = toMs - (long)settings.BaselinePeriod.TotalMilliseconds;
        var seasonalFromMs = toMs - (settings.SeasonalWeeks * WeekMs);
        var readFromMs = Math.Min(Math.Min(flatFromMs, seasonalFromMs), toMs - (2 * WeekMs));
        var plan = new WindowPlan(toMs, flatFromMs, seasonalFromMs, slots);
        var active = await operations.ActiveSinceAsync(readFromMs, cancellationToken).ConfigureAwait(false);
        var withBaseline = 0;
        long rowsRead = 0;
        var summaries = new Dictionary<string, string?>(active.Count, StringComparer.Ordinal);
        foreach (var chunk in active.Chunk(slots is null ? FullChunkSize : ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sums = new ChunkSums(operations, [.. chunk.Select(o => o.Id)]);
            await sums.ReadAsync(plan, cancellationToken).ConfigureAwait(false);
            var baselines = new List<StoredBaseline>();
            foreach (var (id, firstSeenMs) in chunk)
            {
                var operation = new AnalysedOperation(id, firstSeenMs, sums);
                if (FlatBaseline(operation, plan, settings, nowMs, accumulator) is { } flat)
                {
                    baselines.Add(flat);
                    withBaseline++;
                }

                baselines.AddRange(SeasonalBaselines(operation, plan, settings, nowMs, accumulator));
                summaries[id] = Summarize(operation, plan, settings, nowMs, accumulator).ToJson();
            }

            rowsRead += sums.RowsRead;
            await operations.SaveAnalysisAsync(chunk[0].Id, chunk[^1].Id, readFromMs, nowMs, baselines, plan.Slots, sums.Computed, cancellationToken).ConfigureAwait(false);
        }

        await operations.FinishAnalysisAsync(toMs, summaries, plan.OldestMs - DayMs, cancellationToken).ConfigureAwait(false);
        return (withBaseline, rowsRead);
    }

    /// <summary>
    /// The hour-of-week slots whose baselines may have changed since the analysis up to
    /// <paramref name="analysedTo"/>: those of the hours summed (again) and those of the hours that
    /// left the seasonal period since, which are the slots of the hours from <paramref name="analysedTo"/>
    /// to <paramref name="toMs"/>; null (every slot) on a first run or when a week or more passed.
    /// </summary>
    private static int[]? ChangedSlots(long? analysedTo, long toMs, IEnumerable<long> summed)
    {
        if (analysedTo is not { } previous || toMs - previous >= WeekMs)
        {
            return null;
        }

        return [.. Hours(previous, toMs).Concat(summed).Select(h => HourOfWeek.Of(h, TimeZoneInfo.Utc)).Distinct().Order()];
    }

    /// <summary>The starts of the hours in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    private static IEnumerable<long> Hours(long fromMs, long toMs)
    {
        for (var hourMs = fromMs; hourMs < toMs; hourMs += HourMs)
        {
            yield return hourMs;
        }
    }

    /// <summary>The all-hours baseline: the hours of <see cref="PerformanceOptions.BaselinePeriod"/> up to the last complete one, over the period since the operation was first seen.</summary>
    private static StoredBaseline? FlatBaseline(AnalysedOperation operation, WindowPlan plan, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        operation.Merge(plan.Flat, accumulator);
        if (accumulator.Count == 0 || accumulator.Count < settings.MinExecutions)
        {
            return null;
        }

        var fromMs = Math.Max(plan.Flat.FromMs, operation.FirstSeenMs);
        var minutes = (plan.ToMs - fromMs) / 60_000;
        return Baseline(operation.Id, -1, OperationFigures.From(accumulator, minutes)!, minutes, fromMs, plan.ToMs, nowMs);
    }

    /// <summary>The hour-of-week baselines of the slots the plan recomputes.</summary>
    private static IEnumerable<StoredBaseline> SeasonalBaselines(AnalysedOperation operation, WindowPlan plan, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        foreach (var slot in plan.SeasonalHours.GroupBy(h => HourOfWeek.Of(h, TimeZoneInfo.Utc)))
        {
            var slotHours = slot.Select(operation.Hour).OfType<StoredOperationHour>().ToArray();
            var slotMinutes = 60 * Occurrences(slot.Key, Math.Max(plan.SeasonalFromMs, operation.FirstSeenMs), plan.ToMs);
            if (slotHours.Length >= 2 && Compute(operation.Id, slot.Key, slotHours, slotMinutes, settings, nowMs, accumulator) is { } seasonal)
            {
                yield return seasonal;
            }
        }
    }

    /// <summary>The figures of the last 24 hours, the 24-hour and 7-day trends and the bottleneck of one operation.</summary>
    private static OperationSummary Summarize(AnalysedOperation operation, WindowPlan plan, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        var last24h = Figures(operation, plan.Last24h, accumulator);
        var trend24h = OperationTrend.Between(Figures(operation, plan.Previous24h, accumulator), last24h, settings.MinExecutions, settings.ChangePercent);
        var trend7d = OperationTrend.Between(Figures(operation, plan.Previous7d, accumulator), Figures(operation, plan.Last7d, accumulator), settings.MinExecutions, settings.ChangePercent);
        return new OperationSummary(last24h, trend24h, trend7d, Bottleneck.Of(last24h, settings.MinExecutions), DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
    }

    /// <summary>The figures of one window, throughput over the whole of it.</summary>
    private static OperationFigures? Figures(AnalysedOperation operation, Window window, WindowAccumulator accumulator)
    {
        operation.Merge(window, accumulator);
        return OperationFigures.From(accumulator, (window.ToMs - window.FromMs) / 60_000.0);
    }

    /// <summary>The baseline of <paramref name="hours"/>, or null when they hold fewer than <see cref="PerformanceOptions.MinExecutions"/> executions.</summary>
    private static StoredBaseline? Compute(string operationId, int slot, StoredOperationHour[] hours, long minutes, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        if (hours.Length == 0 || hours.Sum(h => h.Count) < settings.MinExecutions)
        {
            return null;
        }

        accumulator.Reset();
        foreach (var hour in hours)
        {
            accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
        }

        return Baseline(operationId, slot, OperationFigures.From(accumulator, minutes)!, minutes, hours.Min(h => h.HourMs), hours.Max(h => h.HourMs) + HourMs, nowMs);
    }

    private static StoredBaseline Baseline(string operationId, int slot, OperationFigures figures, long minutes, long fromMs, long toMs, long nowMs) =>
        new(operationId, slot, figures.Executions, figures.Failures, figures.AvgMs, figures.P50Ms, figures.P95Ms, figures.P99Ms, minutes, fromMs, toMs, nowMs);

    /// <summary>How many hours of hour-of-week <paramref name="slot"/> begin in [<paramref name="fromMs"/>, <paramref name="toMs"/>) (hour starts).</summary>
    private static long Occurrences(int slot, long fromMs, long toMs)
    {
        var latest = toMs - HourMs;
        while (latest >= fromMs && HourOfWeek.Of(latest, TimeZoneInfo.Utc) != slot)
        {
            latest -= HourMs;
        }

        return latest < fromMs ? 0 : 1 + ((latest - fromMs) / WeekMs);
    }

    private static long HourStart(long ms) => FloorDivision.Of(ms, HourMs) * HourMs;

    [LoggerMessage(Level = LogLevel.Information, Message = "Performance analysis summed {Hours} hours ({Late} again for late points); {Operations} operations have a baseline; {Deleted} expired hourly sums deleted.")]
    private static partial void LogRun(ILogger logger, int hours, int late, int operations, int deleted);

    /// <summary>A span of stored sums: an hour, a 6-hour block or a UTC day.</summary>
    private readonly record struct Span(int Hours, long StartMs)
    {
        public long EndMs => StartMs + (Hours * HourMs);

        /// <summary>Its parts one level down (a day's 4 blocks, a block's 6 hours), in time order.</summary>
        public IEnumerable<Span> Parts()
        {
            var part = Hours == 24 ? BlockHours : 1;
            for (var startMs = StartMs; startMs < EndMs; startMs += part * HourMs)
            {
                yield return new Span(part, startMs);
            }
        }
    }

    /// <summary>
    /// A window [<see cref="FromMs"/>, <see cref="ToMs"/>) of whole hours as the spans it merges, in
    /// time order: hours up to a block boundary, blocks up to a day boundary, days, then blocks and
    /// hours. (An hour summed again for late points drops the stored block and day that hold it, so
    /// they are computed again from its new sums.)
    /// </summary>
    private sealed record Window(long FromMs, long ToMs, Span[] Spans)
    {
        public static Window Of(long fromMs, long toMs)
        {
            var spans = new List<Span>();
            var startMs = fromMs;
            while (startMs < toMs)
            {
                var hours = startMs % DayMs == 0 && startMs + DayMs <= toMs ? 24
                    : startMs % (BlockHours * HourMs) == 0 && startMs + (BlockHours * HourMs) <= toMs ? BlockHours
                    : 1;
                spans.Add(new Span(hours, startMs));
                startMs += hours * HourMs;
            }

            return new Window(fromMs, toMs, [.. spans]);
        }
    }

    /// <summary>
    /// The windows of a run up to <see cref="ToMs"/> (the last 24 hours and 7 days, the 24 hours and 7 days
    /// before them, the all-hours period) and the hours of the seasonal period in the slots recomputed.
    /// </summary>
    private sealed class WindowPlan
    {
        public WindowPlan(long toMs, long flatFromMs, long seasonalFromMs, int[]? slots)
        {
            ToMs = toMs;
            SeasonalFromMs = seasonalFromMs;
            Slots = slots;
            Last24h = Window.Of(toMs - DayMs, toMs);
            Previous24h = Window.Of(toMs - (2 * DayMs), toMs - DayMs);
            Last7d = Window.Of(toMs - WeekMs, toMs);
            Previous7d = Window.Of(toMs - (2 * WeekMs), toMs - WeekMs);
            Flat = Window.Of(HourStart(flatFromMs + HourMs - 1), toMs); // the hours starting in the period
            SeasonalHours = [.. Hours(seasonalFromMs, toMs).Where(h => slots is null || slots.Contains(HourOfWeek.Of(h, TimeZoneInfo.Utc)))];
            Spans = [.. new[] { Last24h, Previous24h, Last7d, Previous7d, Flat }.SelectMany(w => w.Spans).Concat(SeasonalHours.Select(h => new Span(1, h))).Distinct()];
            OldestMs = Math.Min(Previous7d.FromMs, Flat.FromMs);
        }

        public long ToMs { get; }

        public long SeasonalFromMs { get; }

        /// <summary>The slots recomputed (null: all).</summary>
        public int[]? Slots { get; }

        public Window Last24h { get; }

        public Window Previous24h { get; }

        public Window Last7d { get; }

        public Window Previous7d { get; }

        public Window Flat { get; }

        /// <summary>The hours of the seasonal period in the slots recomputed.</summary>
        public long[] SeasonalHours { get; }

        /// <summary>Every span merged.</summary>
        public Span[] Spans { get; }

        /// <summary>The start of the oldest window.</summary>
        public long OldestMs { get; }
    }

    /// <summary>
    /// The stored sums a chunk of operations (ids in the database's order) needs: the hours, blocks and
    /// days of the plan, and the parts of the blocks and days not stored yet, which it computes (merging
    /// the parts in time order, so a block or day is the same however often it is computed) and keeps
    /// in <see cref="Computed"/> to be stored.
    /// </summary>
    private sealed class ChunkSums(OperationRepository operations, string[] ids)
    {
        private readonly HashSet<string> _ids = [.. ids];
        private readonly Dictionary<(string Id, Span Span), StoredOperationSpan> _spans = [];
        private readonly Dictionary<(string Id, long HourMs), StoredOperationHour> _hours = [];
        private readonly HashSet<Span> _read = [];
        private readonly WindowAccumulator _accumulator = new();

        public long RowsRead { get; private set; }

        public List<StoredOperationSpan> Computed { get; } = [];

        /// <summary>Reads the plan's spans, then the parts of those not stored, down to hours.</summary>
        public async Task ReadAsync(WindowPlan plan, CancellationToken cancellationToken)
        {
            var wanted = plan.Spans;
            while (wanted.Length > 0)
            {
                var missing = new HashSet<Span>();
                foreach (var level in wanted.Where(_read.Add).GroupBy(s => s.Hours))
                {
                    var starts = level.Select(s => s.StartMs).ToArray();
                    if (level.Key == 1)
                    {
                        foreach (var hour in await operations.HoursAtAsync(ids[0], ids[^1], starts, cancellationToken).ConfigureAwait(false))
                        {
                            _hours[(hour.OperationId, hour.HourMs)] = hour;
                            RowsRead++;
                        }

                        continue;
                    }

                    // Operations between the chunk's first and last that are not in it (not active) have no sums in the plan's windows; a span of one would not count.
                    var stored = (await operations.SpansAtAsync(level.Key, ids[0], ids[^1], starts, cancellationToken).ConfigureAwait(false)).Where(s => _ids.Contains(s.OperationId)).ToArray();
                    foreach (var span in stored)
                    {
                        _spans[(span.OperationId, new Span(span.Hours, span.StartMs))] = span;
                        RowsRead++;
                    }

                    // A span some operation of the chunk has not stored (a first run, a block or day just complete): its parts are read for all of them.
                    var complete = stored.GroupBy(s => s.StartMs).Where(g => g.Count() == ids.Length).Select(g => g.Key).ToHashSet();
                    missing.UnionWith(level.Where(s => !complete.Contains(s.StartMs)));
                }

                wanted = [.. missing.SelectMany(s => s.Parts())];
            }
        }

        public StoredOperationHour? Hour(string id, long hourMs) => _hours.GetValueOrDefault((id, hourMs));

        /// <summary>Merges one span of one operation into <paramref name="accumulator"/>.</summary>
        public void Merge(string id, Span span, WindowAccumulator accumulator)
        {
            if (span.Hours == 1)
            {
                if (Hour(id, span.StartMs) is { } hour)
                {
                    accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
                }

                return;
            }

            var stored = Get(id, span);
            if (stored.Count > 0)
            {
                accumulator.AddSummary(stored.Count, stored.Errors, stored.Sum, stored.Min, stored.Max, stored.Bins);
            }
        }

        private StoredOperationSpan Get(string id, Span span)
        {
            if (_spans.TryGetValue((id, span), out var stored))
            {
                return stored;
            }

            var parts = span.Parts().ToArray();
            foreach (var block in parts.Where(p => p.Hours > 1))
            {
                Get(id, block); // first: computing a block uses the accumulator
            }

            _accumulator.Reset();
            foreach (var part in parts)
            {
                Merge(id, part, _accumulator);
            }

            var computed = _accumulator.Count == 0
                ? new StoredOperationSpan(id, span.Hours, span.StartMs, 0, 0, 0, 0, 0, null)
                : new StoredOperationSpan(id, span.Hours, span.StartMs, _accumulator.Count, _accumulator.ErrorCount, _accumulator.Sum, _accumulator.Min, _accumulator.Max, _accumulator.PackedBins());
            _spans[(id, span)] = computed;
            Computed.Add(computed);
            return computed;
        }
    }

    /// <summary>One operation as a run analyses it.</summary>
    private sealed record AnalysedOperation(string Id, long FirstSeenMs, ChunkSums Sums)
    {
        public StoredOperationHour? Hour(long hourMs) => Sums.Hour(Id, hourMs);

        /// <summary>Resets <paramref name="accumulator"/> and merges the window's spans into it.</summary>
        public void Merge(Window window, WindowAccumulator accumulator)
        {
            accumulator.Reset();
            foreach (var span in window.Spans)
            {
                Sums.Merge(Id, span, accumulator);
            }
        }
    }
}
