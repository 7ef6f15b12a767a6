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
    private const long WeekMs = 7 * 24 * HourMs;

    public string Schedule => BuiltInSchedules.Aggregation;

    public string Name => "performance.operations";

    public async Task<string?> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var completeToMs = HourStart(nowMs - (long)FlushMargin.TotalMilliseconds);
        var oldestMs = HourStart(nowMs - (long)settings.HourRetention.TotalMilliseconds);
        var summedTo = await operations.SummedToAsync(cancellationToken).ConfigureAwait(false);
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

        var baselines = await RefreshBaselinesAsync(settings, completeToMs, nowMs, accumulator, cancellationToken).ConfigureAwait(false);
        var deleted = await operations.DeleteHoursBeforeAsync(oldestMs, cancellationToken).ConfigureAwait(false);
        await regressions.DeleteFinishedBeforeAsync(nowMs - (long)settings.RegressionRetention.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        LogRun(logger, hoursSummed, baselines, deleted);
        return string.Create(CultureInfo.InvariantCulture, $"summed {hoursSummed} hours; baselines of {baselines} operations");
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
    /// Recomputes the baselines and summaries of every operation with hours in the seasonal or
    /// all-hours period (at least the last 14 days, so the 7-day trend has its week before); returns
    /// how many operations have an all-hours baseline.
    /// </summary>
    private async Task<int> RefreshBaselinesAsync(PerformanceOptions settings, long toMs, long nowMs, WindowAccumulator accumulator, CancellationToken cancellationToken)
    {
        var flatFromMs = toMs - (long)settings.BaselinePeriod.TotalMilliseconds;
        var seasonalFromMs = toMs - (settings.SeasonalWeeks * WeekMs);
        var readFromMs = Math.Min(Math.Min(flatFromMs, seasonalFromMs), toMs - (2 * WeekMs));
        var hours = await operations.HoursAsync(readFromMs, toMs, cancellationToken: cancellationToken).ConfigureAwait(false);
        var baselines = new List<StoredBaseline>();
        var summaries = new Dictionary<string, string?>(StringComparer.Ordinal);
        var withBaseline = 0;
        foreach (var group in hours.GroupBy(h => h.OperationId, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var operationHours = group.ToArray();
            var firstMs = operationHours[0].HourMs;
            var flatMinutes = (toMs - Math.Max(flatFromMs, firstMs)) / 60_000;
            if (Compute(group.Key, -1, [.. operationHours.Where(h => h.HourMs >= flatFromMs)], flatMinutes, settings, nowMs, accumulator) is { } flat)
            {
                baselines.Add(flat);
                withBaseline++;
            }

            foreach (var slot in operationHours.Where(h => h.HourMs >= seasonalFromMs).GroupBy(h => HourOfWeek.Of(h.HourMs, TimeZoneInfo.Utc)))
            {
                var slotHours = slot.ToArray();
                var slotMinutes = 60 * Occurrences(slot.Key, Math.Max(seasonalFromMs, firstMs), toMs);
                if (slotHours.Length >= 2 && Compute(group.Key, slot.Key, slotHours, slotMinutes, settings, nowMs, accumulator) is { } seasonal)
                {
                    baselines.Add(seasonal);
                }
            }

            summaries[group.Key] = Summarize(operationHours, toMs, settings, nowMs, accumulator).ToJson();
        }

        await operations.SaveAnalysisAsync(summaries, baselines, cancellationToken).ConfigureAwait(false);
        return withBaseline;
    }

    /// <summary>The figures of the last 24 hours, the 24-hour and 7-day trends and the bottleneck of one operation's hours.</summary>
    private static OperationSummary Summarize(StoredOperationHour[] hours, long toMs, PerformanceOptions settings, long nowMs, WindowAccumulator accumulator)
    {
        const long DayMs = 24 * HourMs;
        var last24h = Figures(hours, toMs - DayMs, toMs, accumulator);
        var trend24h = OperationTrend.Between(Figures(hours, toMs - (2 * DayMs), toMs - DayMs, accumulator), last24h, settings.MinExecutions, settings.ChangePercent);
        var trend7d = OperationTrend.Between(
            Figures(hours, toMs - (2 * WeekMs), toMs - WeekMs, accumulator), Figures(hours, toMs - WeekMs, toMs, accumulator), settings.MinExecutions, settings.ChangePercent);
        return new OperationSummary(last24h, trend24h, trend7d, Bottleneck.Of(last24h, settings.MinExecutions), DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
    }

    /// <summary>The figures of the hours in [<paramref name="fromMs"/>, <paramref name="toMs"/>), throughput over the whole period.</summary>
    private static OperationFigures? Figures(StoredOperationHour[] hours, long fromMs, long toMs, WindowAccumulator accumulator)
    {
        accumulator.Reset();
        foreach (var hour in hours)
        {
            if (hour.HourMs >= fromMs && hour.HourMs < toMs)
            {
                accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
            }
        }

        return OperationFigures.From(accumulator, (toMs - fromMs) / 60_000.0);
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

        var figures = OperationFigures.From(accumulator, minutes)!;
        return new StoredBaseline(operationId, slot, figures.Executions, figures.Failures, figures.AvgMs, figures.P50Ms, figures.P95Ms, figures.P99Ms,
            minutes, hours.Min(h => h.HourMs), hours.Max(h => h.HourMs) + HourMs, nowMs);
    }

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
}
