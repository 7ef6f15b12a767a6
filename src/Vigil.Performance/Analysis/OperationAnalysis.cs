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
/// from the stored 1-minute rollups (when an hour completed since the last run, the last hour summed
/// is summed again with it, for points that arrived late), then recomputes the baselines of the operations with executions in the baseline period.
/// Idempotent: a run repeated for the same due time rewrites the same rows.
/// </summary>
/// <remarks>
/// A baseline is the merged sketch of a set of hours, so its percentiles are those of every
/// execution in them (within the sketch's 1 %), not an average of hourly percentiles: the
/// all-hours baseline covers <see cref="PerformanceOptions.BaselinePeriod"/> up to the last
/// complete hour; an hour-of-week baseline covers that hour of the week in the last
/// <see cref="PerformanceOptions.SeasonalWeeks"/> weeks, and exists when those hours hold at least
/// <see cref="PerformanceOptions.MinExecutions"/> executions from at least two weeks. Memory: one
/// hour of one metric's rollups at a time while summing, one operation's hours at a time while
/// computing baselines.
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
    /// <summary>How long after an hour ends its rollups are taken as complete (the in-memory minutes are flushed within it).</summary>
    public static readonly TimeSpan FlushMargin = TimeSpan.FromMinutes(2);

    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;
    private const long WeekMs = 7 * DayMs;

    /// <summary>Operations analysed together: one read of each kind and one write per chunk bounds memory and keeps each write transaction short.</summary>
    private const int ChunkSize = 250;

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
        if (summedTo >= completeToMs)
        {
            return null; // no hour completed since the last run
        }

        var fromMs = summedTo is { } done ? Math.Max(done - HourMs, oldestMs) : oldestMs;
        fromMs = await FirstHourWithExecutionsAsync(fromMs, completeToMs, cancellationToken).ConfigureAwait(false);

        var hoursSummed = 0;
        var accumulator = new WindowAccumulator();
        for (var hourMs = fromMs; hourMs < completeToMs; hourMs += HourMs)
        {
            await SumHourAsync(hourMs, accumulator, cancellationToken).ConfigureAwait(false);
            hoursSummed++;
        }

        if (hoursSummed == 0)
        {
            await operations.SaveHourAsync([], [], completeToMs, cancellationToken).ConfigureAwait(false); // no executions since: the progress moves on
        }

        var (baselines, rowsRead) = await RefreshBaselinesAsync(settings, completeToMs, nowMs, analysedTo, accumulator, cancellationToken).ConfigureAwait(false);
        var deleted = await operations.DeleteHoursBeforeAsync(oldestMs, cancellationToken).ConfigureAwait(false);
        await regressions.DeleteFinishedBeforeAsync(nowMs - (long)settings.RegressionRetention.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        LogRun(logger, hoursSummed, baselines, deleted);
        return string.Create(CultureInfo.InvariantCulture, $"summed {hoursSummed} hours; baselines of {baselines} operations; read {rowsRead} stored sums");
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
    private async Task SumHourAsync(long hourMs, WindowAccumulator accumulator, CancellationToken cancellationToken)
    {
        var byOperation = new Dictionary<string, (OperationKey Key, List<(Rollup Rollup, bool IsError)> Rollups)>(StringComparer.Ordinal);
        foreach (var metric in catalog.Metrics)
        {
            foreach (var (series, rollup) in await rollups.ReadMetricAsync(metric, hourMs, hourMs + HourMs, cancellationToken).ConfigureAwait(false))
            {
                var labels = LabelSet.ParseKeyLabels(series.Key);
                if (catalog.KeyOf(metric, labels) is not { } key)
                {
                    continue;
                }

                if (!byOperation.TryGetValue(key.Id, out var entry))
                {
                    byOperation[key.Id] = entry = (key, []);
                }

                entry.Rollups.Add((rollup, MetricSeries.IsErrorStatus(labels["status"])));
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

        await operations.SaveHourAsync(found, hours, hourMs + HourMs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Recomputes the summaries and all-hours baselines of every operation with executions since
    /// the start of the seasonal, all-hours or 14-day period, and their hour-of-week baselines of
    /// the slots whose hours changed since the last analysis (every slot on a first run or after a
    /// week without one), a chunk of operations at a time; returns how many operations have an
    /// all-hours baseline and how many stored sums were read.
    /// </summary>
    private async Task<(int WithBaseline, long RowsRead)> RefreshBaselinesAsync(PerformanceOptions settings, long toMs, long nowMs, long? analysedTo, WindowAccumulator accumulator, CancellationToken cancellationToken)
    {
        var flatFromMs = toMs - (long)settings.BaselinePeriod.TotalMilliseconds;
        var seasonalFromMs = toMs - (settings.SeasonalWeeks * WeekMs);
        var readFromMs = Math.Min(Math.Min(flatFromMs, seasonalFromMs), toMs - (2 * WeekMs));
        var plan = new WindowPlan(toMs, flatFromMs, seasonalFromMs, ChangedSlots(analysedTo, toMs));
        var active = await operations.ActiveSinceAsync(readFromMs, cancellationToken).ConfigureAwait(false);
        var withBaseline = 0;
        long rowsRead = 0;
        foreach (var chunk in active.Chunk(ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (firstId, lastId) = (chunk[0].Id, chunk[^1].Id);
            var hours = (await operations.HoursAtAsync(firstId, lastId, plan.Hours, cancellationToken).ConfigureAwait(false)).ToLookup(h => h.OperationId, StringComparer.Ordinal);
            var stored = (await operations.DaysAtAsync(firstId, lastId, plan.DayEnds, cancellationToken).ConfigureAwait(false)).ToLookup(d => d.OperationId, StringComparer.Ordinal);
            rowsRead += hours.Sum(g => g.Count()) + stored.Sum(g => g.Count());

            // Rolling days not stored yet (a first run, or runs missed): from their hours, stored for the runs after.
            var missing = new SortedSet<long>(chunk.SelectMany(o => plan.DayEnds.Except(stored[o.Id].Select(d => d.EndMs))));
            var olderHours = (await operations.HoursAtAsync(firstId, lastId, [.. missing.SelectMany(HoursOfDay).Except(plan.Hours)], cancellationToken).ConfigureAwait(false))
                .ToLookup(h => h.OperationId, StringComparer.Ordinal);
            rowsRead += olderHours.Sum(g => g.Count());

            var summaries = new Dictionary<string, string?>(StringComparer.Ordinal);
            var baselines = new List<StoredBaseline>();
            var days = new List<StoredOperationDay>();
            foreach (var (id, firstSeenMs) in chunk)
            {
                var byHour = hours[id].Concat(olderHours[id]).ToDictionary(h => h.HourMs);
                var byEnd = stored[id].ToDictionary(d => d.EndMs);
                foreach (var endMs in plan.DayEnds.Where(e => !byEnd.ContainsKey(e)).Append(plan.FinalDayEnd))
                {
                    var day = Day(id, endMs, byHour, accumulator);
                    days.Add(day);
                    byEnd[endMs] = day;
                }

                byEnd[toMs] = Day(id, toMs, byHour, accumulator); // the last 24 hours: the last hour may be summed again, so not stored
                var operation = new AnalysedOperation(id, firstSeenMs, byHour, byEnd);
                if (FlatBaseline(operation, plan, settings, nowMs, accumulator) is { } flat)
                {
                    baselines.Add(flat);
                    withBaseline++;
                }

                baselines.AddRange(SeasonalBaselines(operation, plan, settings, nowMs, accumulator));
                summaries[id] = Summarize(operation, toMs, settings, nowMs, accumulator).ToJson();
            }

            await operations.SaveAnalysisAsync(summaries, baselines, plan.Slots, days, cancellationToken).ConfigureAwait(false);
        }

        await operations.FinishAnalysisAsync(toMs, plan.DayEnds.Min(), cancellationToken).ConfigureAwait(false);
        return (withBaseline, rowsRead);
    }

    /// <summary>
    /// The hour-of-week slots whose baselines may have changed since the analysis up to
    /// <paramref name="analysedTo"/>: those of the hours from the one before it (summed again for
    /// late points) to <paramref name="toMs"/>, the same slots as the hours that left the seasonal
    /// period; null (every slot) on a first run or when a week or more passed.
    /// </summary>
    private static int[]? ChangedSlots(long? analysedTo, long toMs)
    {
        if (analysedTo is not { } previous || toMs - (previous - HourMs) >= WeekMs)
        {
            return null;
        }

        var slots = new SortedSet<int>();
        for (var hourMs = previous - HourMs; hourMs < toMs; hourMs += HourMs)
        {
            slots.Add(HourOfWeek.Of(hourMs, TimeZoneInfo.Utc));
        }

        return [.. slots];
    }

    /// <summary>The rolling day of one operation ending at <paramref name="endMs"/>: its hours of the 24 before, merged in hour order.</summary>
    private static StoredOperationDay Day(string operationId, long endMs, Dictionary<long, StoredOperationHour> byHour, WindowAccumulator accumulator)
    {
        accumulator.Reset();
        foreach (var hourMs in HoursOfDay(endMs))
        {
            if (byHour.TryGetValue(hourMs, out var hour))
            {
                accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
            }
        }

        return accumulator.Count == 0
            ? new StoredOperationDay(operationId, endMs, 0, 0, 0, 0, 0, null)
            : new StoredOperationDay(operationId, endMs, accumulator.Count, accumulator.ErrorCount, accumulator.Sum, accumulator.Min, accumulator.Max, accumulator.PackedBins());
    }

    /// <summary>The starts of the 24 hours before <paramref name="endMs"/>, oldest first.</summary>
    private static IEnumerable<long> HoursOfDay(long endMs)
    {
        for (var hourMs = endMs - DayMs; hourMs < endMs; hourMs += HourMs)
        {
            yield return hourMs;
        }
    }

    /// <summary>
    /// The all-hours baseline: the rolling days of the whole days of <see cref="PerformanceOptions.BaselinePeriod"/>
    /// and the hours of the part before them, over the period since the operation was first seen.
    /// </summary>
    private static StoredBaseline? FlatBaseline(AnalysedOperation operation, WindowPlan plan, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        accumulator.Reset();
        foreach (var hourMs in plan.FlatHours)
        {
            Add(accumulator, operation.Hours.GetValueOrDefault(hourMs));
        }

        for (var day = plan.FlatDays - 1; day >= 0; day--)
        {
            Add(accumulator, operation.Days[plan.ToMs - (day * DayMs)]);
        }

        if (accumulator.Count == 0 || accumulator.Count < settings.MinExecutions)
        {
            return null;
        }

        var fromMs = Math.Max(plan.FlatFromMs, operation.FirstSeenMs);
        var minutes = (plan.ToMs - fromMs) / 60_000;
        return Baseline(operation.Id, -1, OperationFigures.From(accumulator, minutes)!, minutes, fromMs, plan.ToMs, nowMs);
    }

    /// <summary>The hour-of-week baselines of the slots the plan recomputes.</summary>
    private static IEnumerable<StoredBaseline> SeasonalBaselines(AnalysedOperation operation, WindowPlan plan, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        foreach (var slot in plan.SeasonalHours.GroupBy(h => HourOfWeek.Of(h, TimeZoneInfo.Utc)))
        {
            var slotHours = slot.Select(h => operation.Hours.GetValueOrDefault(h)).OfType<StoredOperationHour>().ToArray();
            var slotMinutes = 60 * Occurrences(slot.Key, Math.Max(plan.SeasonalFromMs, operation.FirstSeenMs), plan.ToMs);
            if (slotHours.Length >= 2 && Compute(operation.Id, slot.Key, slotHours, slotMinutes, settings, nowMs, accumulator) is { } seasonal)
            {
                yield return seasonal;
            }
        }
    }

    /// <summary>The figures of the last 24 hours, the 24-hour and 7-day trends and the bottleneck of one operation, from its rolling days.</summary>
    private static OperationSummary Summarize(AnalysedOperation operation, long toMs, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        var last24h = Figures(operation, toMs, 1, accumulator);
        var trend24h = OperationTrend.Between(Figures(operation, toMs - DayMs, 1, accumulator), last24h, settings.MinExecutions, settings.ChangePercent);
        var trend7d = OperationTrend.Between(Figures(operation, toMs - WeekMs, 7, accumulator), Figures(operation, toMs, 7, accumulator), settings.MinExecutions, settings.ChangePercent);
        return new OperationSummary(last24h, trend24h, trend7d, Bottleneck.Of(last24h, settings.MinExecutions), DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
    }

    /// <summary>The figures of the <paramref name="days"/> rolling days up to <paramref name="toMs"/>, throughput over the whole period.</summary>
    private static OperationFigures? Figures(AnalysedOperation operation, long toMs, int days, WindowAccumulator accumulator)
    {
        accumulator.Reset();
        for (var day = days - 1; day >= 0; day--)
        {
            Add(accumulator, operation.Days[toMs - (day * DayMs)]);
        }

        return OperationFigures.From(accumulator, days * DayMs / 60_000.0);
    }

    private static void Add(WindowAccumulator accumulator, StoredOperationHour? hour)
    {
        if (hour is not null)
        {
            accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
        }
    }

    private static void Add(WindowAccumulator accumulator, StoredOperationDay day)
    {
        if (day.Count > 0)
        {
            accumulator.AddSummary(day.Count, day.Errors, day.Sum, day.Min, day.Max, day.Bins);
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Performance analysis summed {Hours} hours; {Operations} operations have a baseline; {Deleted} expired hourly sums deleted.")]
    private static partial void LogRun(ILogger logger, int hours, int operations, int deleted);

    /// <summary>One operation as a run analyses it: its hours read and its rolling days by end.</summary>
    private sealed record AnalysedOperation(string Id, long FirstSeenMs, Dictionary<long, StoredOperationHour> Hours, Dictionary<long, StoredOperationDay> Days);

    /// <summary>
    /// What a run up to <see cref="ToMs"/> reads for each operation: the rolling days ending a whole
    /// number of days before it (the 14 days of the 7-day trend and the whole days of the all-hours
    /// period), the hours of the last 25 (the last 24 hours and the rolling day that just became
    /// final), the hours of the all-hours period before its whole days, and the hours of the
    /// seasonal period in the slots recomputed.
    /// </summary>
    private sealed class WindowPlan
    {
        public WindowPlan(long toMs, long flatFromMs, long seasonalFromMs, int[]? slots)
        {
            ToMs = toMs;
            FlatFromMs = flatFromMs;
            SeasonalFromMs = seasonalFromMs;
            Slots = slots;
            FlatDays = (int)((toMs - flatFromMs) / DayMs);
            var dayCount = Math.Max(FlatDays, 14);
            DayEnds = [.. Enumerable.Range(1, dayCount - 1).Select(day => toMs - (day * DayMs))];
            FinalDayEnd = toMs - HourMs;
            FlatHours = [.. Range(flatFromMs, toMs - (FlatDays * DayMs))];
            SeasonalHours = [.. Range(seasonalFromMs, toMs).Where(h => slots is null || slots.Contains(HourOfWeek.Of(h, TimeZoneInfo.Utc)))];
            Hours = [.. Range(toMs - DayMs - HourMs, toMs).Concat(FlatHours).Concat(SeasonalHours).Distinct().Order()];
        }

        public long ToMs { get; }

        public long FlatFromMs { get; }

        public long SeasonalFromMs { get; }

        /// <summary>The slots recomputed (null: all).</summary>
        public int[]? Slots { get; }

        /// <summary>Whole days of the all-hours period.</summary>
        public int FlatDays { get; }

        /// <summary>Ends of the stored rolling days a run merges.</summary>
        public long[] DayEnds { get; }

        /// <summary>The end of the rolling day whose hours became final in this run (the hour before the last may be summed again next run; this one's last hour is before it).</summary>
        public long FinalDayEnd { get; }

        /// <summary>The hours of the all-hours period before its whole days.</summary>
        public long[] FlatHours { get; }

        /// <summary>The hours of the seasonal period in the slots recomputed.</summary>
        public long[] SeasonalHours { get; }

        /// <summary>Every hour read.</summary>
        public long[] Hours { get; }

        private static IEnumerable<long> Range(long fromMs, long toMs)
        {
            for (var hourMs = fromMs; hourMs < toMs; hourMs += HourMs)
            {
                yield return hourMs;
            }
        }
    }
}
