using System.Globalization;
using Microsoft.Extensions.Options;
using Vigil.Core;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;
using Vigil.Performance.Operations;
using Vigil.Storage;
using Vigil.Storage.Coordination;
using Vigil.Storage.Metrics;
using Vigil.Storage.Performance;

namespace Vigil.Performance.Regressions;

/// <summary>
/// Finds regressions as they happen: once a minute, on one process (the holder of the detector's
/// <see cref="ExclusiveRole"/>), it adds each operation's last complete minute to its
/// <see cref="MinuteLog"/> (from memory; at start-up the last four hours are read from the stored
/// rollups), and a quiet minute also to its <see cref="RunLog"/> of the minutes it ran in; runs the
/// <see cref="StepDetector"/> on the operations without an open regression (by blocks of minutes,
/// or, for one that ran less than once a minute over the last hour, by the minutes it ran in, once
/// per new run) and checks whether those with one are back.
/// </summary>
/// <remarks>
/// A step becomes a <b>regression</b> when the operation got slower by more than
/// <see cref="PerformanceOptions.ChangePercent"/> against the minutes before the step (the test)
/// <b>and</b> against its baseline (this hour of the week; else what it usually does at the
/// step's hours of the day and of the week, <see cref="UsualAt"/>; else all hours): the median or
/// p95 since the step, or its average. It is stored, raises the <c>performance_regression</c> alert
/// through the normal lifecycle, and resolves when the last blocks are back within half the
/// change of the level before (or after an hour without executions; judged by the minutes it ran
/// in, an hour and three of its usual gaps between runs). A step the other way,
/// against the baseline too, is recorded as an <b>improvement</b> (no alert). Operations without a
/// baseline (fewer than 10 executions summed) are not judged. The <c>version</c> labels seen
/// before and after the step (in memory) are kept with it.
/// </remarks>
public sealed partial class RegressionMonitor(
    MetricStore store,
    RollupRepository rollups,
    OperationRepository operations,
    RegressionRepository regressions,
    OperationCatalog catalog,
    Database database,
    IOptionsMonitor<PerformanceOptions> options,
    TimeProvider time,
    ILogger<RegressionMonitor> logger,
    IPerformanceAlertSink? sink = null) : MinutePass(database, LockKey, time, logger)
{
    /// <summary>How long after a minute ends it is judged (points of the minute may still arrive).</summary>
    public static readonly TimeSpan Lag = TimeSpan.FromMinutes(2);

    private const long MinuteMs = 60_000;
    private const long HourMs = 3_600_000;
    private const long DayMs = 24 * HourMs;
    private const long WeekMs = 7 * DayMs;

    /// <summary>How many days back <see cref="UsualAt"/> looks at the same hours of the day.</summary>
    private const int UsualDays = 14;

    /// <summary>How many weeks back <see cref="UsualAt"/> looks at the same hours of the week.</summary>
    private const int UsualWeeks = 4;

    private const long LockKey = 0x56_49_47_49_4C_11; // "VIGIL" + 0x11
    private static readonly long SilentMs = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    /// <summary>How long an operation judged by the minutes it ran in is kept after its last run.</summary>
    private static readonly long RunsKeptMs = (long)TimeSpan.FromDays(7).TotalMilliseconds;

    private readonly Dictionary<string, Tracked> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _quietUntil = new(StringComparer.Ordinal);
    private readonly HashSet<string> _runsRead = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<StoredOperationHour>> _usualHours = new(StringComparer.Ordinal);
    private long _usualHoursOfMs;
    private long? _fedToMs;
    private long? _firstFedMs;
    private long? _storeReadAtMs;
    private int _rereads;

    /// <summary>The least time between two reads of the stored minutes for points sent late (doubled at each).</summary>
    public static readonly TimeSpan RereadInterval = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Feeds the minutes completed since the last pass and judges every operation; returns the
    /// findings stored (regressions opened, improvements recorded) and regressions resolved.
    /// </summary>
    protected override async Task<int> PassAsync(long nowMs, CancellationToken cancellationToken)
    {
        var lastMinuteMs = (FloorDivision.Of(nowMs, MinuteMs) * MinuteMs) - (long)Lag.TotalMilliseconds;
        if (Backfilled(nowMs, lastMinuteMs))
        {
            // Points were stored into minutes already fed (a backfill, a sender that buffered): the four hours read again
            // from the stored rollups into each operation's minutes (what else it holds, its runs and regressions, kept).
            LogRereading(logger);
            (_fedToMs, _storeReadAtMs, _rereads) = (null, nowMs, _rereads + 1);
        }

        await FeedAsync(lastMinuteMs, cancellationToken).ConfigureAwait(false);
        return await JudgeAsync(lastMinuteMs, nowMs, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void OnNotLeader()
    {
        _logs.Clear();
        _runsRead.Clear();
        _usualHours.Clear();
        (_fedToMs, _firstFedMs, _storeReadAtMs) = (null, null, null);
    }

    /// <summary>
    /// Whether points of an operation's metric, some within the four hours fed, were stored into the
    /// past since the stored minutes were last read, none for <see cref="Backfill.SettleMs"/> (a
    /// backfill comes in many batches), and that read is <see cref="RereadInterval"/> old, doubled at
    /// each read for a backfill up to 32 times (a sender that keeps sending old points must not make
    /// every pass read four hours again).
    /// </summary>
    private bool Backfilled(long nowMs, long lastMinuteMs)
    {
        if (_storeReadAtMs is not { } readAtMs || nowMs - readAtMs < (long)RereadInterval.TotalMilliseconds * (1 << Math.Min(_rereads, 5)))
        {
            return false;
        }

        foreach (var metric in catalog.Metrics)
        {
            if (store.LastBackfill(metric) is { } backfill && backfill.SettledSince(readAtMs, nowMs)
                && backfill.NewestMs > lastMinuteMs - (StepDetector.HistoryMinutes * MinuteMs))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds the minutes up to <paramref name="lastMinuteMs"/> not added yet: older than memory from the stored rollups, the rest from memory.</summary>
    private async Task FeedAsync(long lastMinuteMs, CancellationToken cancellationToken)
    {
        var fromMs = Math.Max(_fedToMs is { } fed ? fed + MinuteMs : long.MinValue, lastMinuteMs - ((StepDetector.HistoryMinutes - 1) * MinuteMs));
        if (fromMs > lastMinuteMs)
        {
            return;
        }

        var memoryFromMs = FloorDivision.Of(store.MemoryHorizonMs, MinuteMs) * MinuteMs + MinuteMs;
        if (fromMs < memoryFromMs)
        {
            await FeedFromRollupsAsync(fromMs, Math.Min(memoryFromMs, lastMinuteMs + MinuteMs), cancellationToken).ConfigureAwait(false);
        }

        FeedFromMemory(Math.Max(fromMs, memoryFromMs), lastMinuteMs);
        if (_firstFedMs is null)
        {
            (_firstFedMs, _storeReadAtMs) = (fromMs, store.NowMs);
        }

        _fedToMs = lastMinuteMs;
    }

    private async Task FeedFromRollupsAsync(long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var minutes = new OperationMinutes();
        foreach (var metric in catalog.Metrics)
        {
            foreach (var (series, rollup) in await rollups.ReadMetricAsync(metric, fromMs, toMs, cancellationToken).ConfigureAwait(false))
            {
                var labels = LabelSet.ParseKeyLabels(series.Key);
                if (catalog.KeyOf(metric, labels) is { } key)
                {
                    minutes.Add(key, labels, rollup);
                }
            }
        }

        minutes.Merge((key, minuteMs, accumulator) => Record(TrackedOf(key), minuteMs, accumulator));
    }

    /// <summary>
    /// For each operation now judged by the minutes it ran in whose runs were not read from storage
    /// yet (since this process took the detector's role), the start of the last step recorded for it
    /// and its quiet minutes of the week before the first minute this process fed, from the stored
    /// rollups: after a restart an hourly job is judged at once, not after twenty more runs, and a
    /// step recorded before is not found again. A primary-key range per series of such an operation
    /// (none when its runs are already 135), so a busy install's other operations cost nothing here;
    /// once per operation and process, retried on the next pass if it fails.
    /// </summary>
    private async Task ReadRunsAsync(long lastMinuteMs, CancellationToken cancellationToken)
    {
        var wanted = new List<Tracked>();
        foreach (var tracked in _logs.Values)
        {
            if (tracked.Runs is not null && !_runsRead.Contains(tracked.Key.Id) && ByRuns(tracked, lastMinuteMs) is not null)
            {
                wanted.Add(tracked);
            }
        }

        if (wanted.Count == 0 || _firstFedMs is not { } toMs)
        {
            return;
        }

        // The last step recorded for each, which the runs read back may hold: only the runs since it are compared, across restarts too.
        foreach (var tracked in wanted)
        {
            if (tracked.RunStepStartMs is null && (await regressions.ListAsync(null, null, tracked.Key.Id, 1, cancellationToken).ConfigureAwait(false)) is [var last])
            {
                tracked.RunStepStartMs = last.StartedAtMs;
            }
        }

        // Nothing older would be kept by a full one.
        foreach (var full in wanted.Where(t => t.Runs is { Count: var count } && count >= RunLog.Capacity).ToList())
        {
            _runsRead.Add(full.Key.Id);
            wanted.Remove(full);
        }

        var minutes = new OperationMinutes();
        foreach (var group in wanted.GroupBy(t => t.Key.Metric, StringComparer.Ordinal))
        {
            var ids = group.Select(t => t.Key.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var series in await rollups.SeriesOfMetricAsync(group.Key, cancellationToken).ConfigureAwait(false))
            {
                var labels = LabelSet.ParseKeyLabels(series.Key);
                if (catalog.KeyOf(group.Key, labels) is not { } key || !ids.Contains(key.Id))
                {
                    continue;
                }

                foreach (var stored in await rollups.ReadSeriesAsync(series.Id, toMs - RunsKeptMs, toMs, cancellationToken).ConfigureAwait(false))
                {
                    minutes.Add(key, labels, stored.Rollup);
                }
            }
        }

        var older = new Dictionary<string, RunLog>(StringComparer.Ordinal);
        var executions = new float[MinuteLog.MaxKeptExecutions];
        minutes.Merge((key, minuteMs, accumulator) =>
        {
            if (accumulator.TryCopyValues(executions, out var kept))
            {
                (older.TryGetValue(key.Id, out var runs) ? runs : older[key.Id] = new RunLog()).Add(minuteMs, Summary(accumulator), RunOf(minuteMs, executions.AsSpan(0, kept)));
            }
        });
        foreach (var tracked in wanted)
        {
            if (older.TryGetValue(tracked.Key.Id, out var runs) && tracked.Runs is { } recent)
            {
                for (var i = 0; i < recent.Count; i++)
                {
                    runs.Add(recent[i].MinuteMs, recent[i].Summary, recent[i].Run);
                }

                tracked.Runs = runs;
            }

            _runsRead.Add(tracked.Key.Id);
        }
    }

    private void FeedFromMemory(long fromMs, long lastMinuteMs)
    {
        if (fromMs > lastMinuteMs)
        {
            return;
        }

        var accumulator = new WindowAccumulator();
        foreach (var (key, series) in catalog.SeriesByOperation(store))
        {
            var tracked = TrackedOf(key);
            for (var minuteMs = fromMs; minuteMs <= lastMinuteMs; minuteMs += MinuteMs)
            {
                accumulator.Reset();
                foreach (var s in series)
                {
                    s.AggregateInto(accumulator, minuteMs, minuteMs + MinuteMs);
                }

                if (accumulator.Count > 0)
                {
                    Record(tracked, minuteMs, accumulator);
                }
            }
        }
    }

    private Tracked TrackedOf(OperationKey key)
    {
        if (!_logs.TryGetValue(key.Id, out var tracked))
        {
            _logs[key.Id] = tracked = new Tracked(key, new MinuteLog(StepDetector.HistoryMinutes));
        }

        return tracked;
    }

    /// <summary>
    /// Sets a minute of an operation's log from its merged executions: the summary, and the
    /// durations one by one for a quiet minute, which is also one of the minutes it ran in.
    /// </summary>
    private static void Record(Tracked tracked, long minuteMs, WindowAccumulator accumulator)
    {
        Span<float> executions = stackalloc float[MinuteLog.MaxKeptExecutions];
        var summary = Summary(accumulator);
        var quiet = accumulator.TryCopyValues(executions, out var kept);
        tracked.Log.Set(minuteMs, summary, quiet ? executions[..kept] : default);
        if (quiet)
        {
            (tracked.Runs ??= new RunLog()).Add(minuteMs, summary, RunOf(minuteMs, executions[..kept]));
        }
    }

    /// <summary>
    /// The minute's run (<see cref="RunLog.Add"/>): of its executions in order of duration, the one
    /// a hash of the minute's number picks (NaN when there are none). Not the number itself: a job
    /// that runs on the hour, or every ten or fifteen minutes, has minute numbers that are multiples
    /// of its period, and the number modulo two, three or five executions would always pick the
    /// fastest.
    /// </summary>
    internal static float RunOf(long minuteMs, ReadOnlySpan<float> executions) =>
        executions.IsEmpty ? float.NaN : executions[(int)(((ulong)FloorDivision.Of(minuteMs, MinuteMs) * 0x9E3779B97F4A7C15UL >> 33) % (ulong)executions.Length)];

    private static MinuteSummary Summary(WindowAccumulator accumulator) => new(
        (int)Math.Min(accumulator.Count, int.MaxValue),
        (float)accumulator.Sum,
        (float)(accumulator.Quantile(0.5) ?? accumulator.Sum / accumulator.Count),
        (float)(accumulator.Quantile(0.95) ?? accumulator.Sum / accumulator.Count),
        (float)(accumulator.LogMean(StepDetector.GeometricMeanTrim) ?? double.NaN));

    private async Task<int> JudgeAsync(long lastMinuteMs, long nowMs, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var open = (await regressions.OpenAsync(cancellationToken).ConfigureAwait(false))
            .GroupBy(r => r.OperationId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal); // newest first; one open each but for a race between processes
        var slot = HourOfWeek.Of(lastMinuteMs, TimeZoneInfo.Utc);
        var flat = (await operations.BaselinesAsync(slot: -1, cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.OperationId, StringComparer.Ordinal);
        var seasonal = (await operations.BaselinesAsync(slot: slot, cancellationToken: cancellationToken).ConfigureAwait(false)).ToDictionary(b => b.OperationId, StringComparer.Ordinal);
        await ReadRunsAsync(lastMinuteMs, cancellationToken).ConfigureAwait(false);
        var changes = 0;
        foreach (var (id, tracked) in _logs.ToArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (key, log) = (tracked.Key, tracked.Log);
            if (open.TryGetValue(id, out var regression))
            {
                changes += await CheckBackAsync(regression, tracked, lastMinuteMs, nowMs, settings, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                continue;
            }

            if (log.LatestMs is not { } latest || latest < lastMinuteMs - (StepDetector.HistoryMinutes * MinuteMs))
            {
                // Gone quiet for the whole history: forgotten, or, run by run, kept for a week (its minutes let go).
                if (tracked.Runs?.LatestMs is not { } lastRun || lastRun < lastMinuteMs - RunsKeptMs)
                {
                    _logs.Remove(id);
                    continue;
                }

                log.Release();
            }

            if (_quietUntil.TryGetValue(id, out var until) && lastMinuteMs < until)
            {
                continue; // the step just reported is still in the window
            }

            if ((seasonal.GetValueOrDefault(id) ?? flat.GetValueOrDefault(id)) is not { } baseline)
            {
                continue;
            }

            // Too quiet for blocks of minutes: judged by the minutes it ran in, once per new run.
            var runs = ByRuns(tracked, lastMinuteMs);
            if (runs is not null && runs.LatestMs == tracked.JudgedRunMs)
            {
                continue;
            }

            var findings = runs is not null
                ? StepDetector.RunFindings(runs, settings.ChangePercent, settings.RegressionConfidence, tracked.RunStepStartMs ?? long.MinValue)
                : StepDetector.Findings(log, lastMinuteMs, settings.ChangePercent, settings.RegressionConfidence);
            tracked.JudgedRunMs = runs?.LatestMs;
            Func<long, StepDetector.Block> sinceOf = startMs => runs is not null ? RunsSince(runs, startMs) : Since(log, startMs, lastMinuteMs);
            BaselineFinding? leaving;
            if (findings.Count == 0 || seasonal.ContainsKey(id))
            {
                leaving = LeavingBaseline(findings, sinceOf, _ => [baseline], settings.ChangePercent);
            }
            else
            {
                // No baseline of this hour of the week (an hourly job never has one): instead of all hours, what the operation usually does at the step's hours.
                var hours = await UsualHoursAsync(id, lastMinuteMs, cancellationToken).ConfigureAwait(false);
                leaving = LeavingBaseline(findings, sinceOf, startMs => UsualAt(id, hours, startMs, lastMinuteMs, settings.MinExecutions) is { Count: > 0 } usual ? usual : [baseline], settings.ChangePercent);
            }

            if (leaving is not null)
            {
                await RecordAsync(key, leaving, lastMinuteMs, nowMs, settings, cancellationToken).ConfigureAwait(false);
                tracked.RunStepStartMs = leaving.Finding.StartMs; // found by blocks, it is among the runs too
                changes++;
            }
        }

        return changes;
    }

    /// <summary>
    /// The most confident of <paramref name="findings"/> (most confident first) that also leaves the
    /// baseline by more than <paramref name="changePercent"/> in its direction: its measure since the
    /// step against the baseline's, or the average since against the baseline's average (a geometric
    /// mean, which baselines do not keep, is taken as the median there, and shown against the
    /// baseline's median: the nearest measure of the typical execution); null when none does. One that
    /// does not (a median's step within the hour's usual median) must not hide another's.
    /// </summary>
    internal static BaselineFinding? LeavingBaseline(IEnumerable<StepFinding> findings, MinuteLog log, long lastMinuteMs, StoredBaseline baseline, double changePercent) =>
        LeavingBaseline(findings, startMs => Since(log, startMs, lastMinuteMs), _ => [baseline], changePercent);

    /// <summary>
    /// <see cref="LeavingBaseline(IEnumerable{StepFinding}, MinuteLog, long, StoredBaseline, double)"/>
    /// with the operation's minutes since a step's start as one block from <paramref name="sinceOf"/>,
    /// and the baselines a step starting then must leave, every one of them, from
    /// <paramref name="baselinesOf"/> (the change shown is against the one it leaves least).
    /// </summary>
    private static BaselineFinding? LeavingBaseline(IEnumerable<StepFinding> findings, Func<long, StepDetector.Block> sinceOf, Func<long, IReadOnlyList<StoredBaseline>> baselinesOf, double changePercent)
    {
        foreach (var finding in findings)
        {
            var since = sinceOf(finding.StartMs);
            BaselineFinding? least = null;
            foreach (var baseline in baselinesOf(finding.StartMs))
            {
                if (Leaves(finding, since, baseline, changePercent) is not { } leaves)
                {
                    least = null;
                    break;
                }

                if (least is null || Math.Abs(leaves.BaselineChangePercent ?? double.MaxValue) < Math.Abs(least.BaselineChangePercent ?? double.MaxValue))
                {
                    least = leaves;
                }
            }

            if (least is not null)
            {
                return least;
            }
        }

        return null;
    }

    /// <summary>
    /// <paramref name="finding"/> against <paramref name="baseline"/>: its measure since the step
    /// (<paramref name="since"/>) against the baseline's, or the average since against the baseline's
    /// average, past it by more than <paramref name="changePercent"/> in its direction; else null.
    /// </summary>
    private static BaselineFinding? Leaves(StepFinding finding, StepDetector.Block since, StoredBaseline baseline, double changePercent)
    {
        // Since the step: the measure (for a quantile the execution-weighted one of the minutes' own; the averages exact), the exact average and the median.
        var baselineValue = finding.Measure switch
        {
            StepMeasure.P50 => baseline.P50Ms,
            StepMeasure.P95 => baseline.P95Ms,
            StepMeasure.Average => baseline.AvgMs,
            StepMeasure.GeometricMean => baseline.P50Ms, // baselines keep no geometric mean: shown against the median's (the median or the average must clear theirs)
            _ => throw new ArgumentOutOfRangeException(nameof(finding), finding.Measure, "Not a step measure."),
        };
        var shown = finding.Measure == StepMeasure.GeometricMean ? StepMeasure.P50 : finding.Measure;
        var valueChange = baselineValue is > 0 and var b ? 100 * (StepDetector.Value(since, shown) - b) / b : (double?)null;
        var avgChange = baseline.AvgMs > 0 ? 100 * (since.Average - baseline.AvgMs) / baseline.AvgMs : (double?)null;
        var clears = finding.Direction > 0
            ? valueChange > changePercent || avgChange > changePercent
            : valueChange < -changePercent || avgChange < -changePercent;
        return clears ? new BaselineFinding(finding, baselineValue, valueChange is { } c ? Math.Round(c, 1) : null) : null;
    }

    /// <summary>
    /// The hourly sums of operation <paramref name="id"/> that <see cref="UsualAt"/> may take for a
    /// step judged at <paramref name="lastMinuteMs"/>: the 29 days up to a day before its hour. Read
    /// once an hour per operation, only for one with a step found and no baseline of this hour of the week.
    /// </summary>
    private async Task<IReadOnlyList<StoredOperationHour>> UsualHoursAsync(string id, long lastMinuteMs, CancellationToken cancellationToken)
    {
        var hourMs = FloorDivision.Of(lastMinuteMs, HourMs) * HourMs;
        if (hourMs != _usualHoursOfMs)
        {
            _usualHoursOfMs = hourMs;
            _usualHours.Clear();
        }

        if (!_usualHours.TryGetValue(id, out var hours))
        {
            _usualHours[id] = hours = await operations.HoursAsync(hourMs - (UsualWeeks * WeekMs) - DayMs, hourMs - DayMs + HourMs, id, cancellationToken).ConfigureAwait(false);
        }

        return hours;
    }

    /// <summary>
    /// What operation <paramref name="id"/> usually does at the hours a step from
    /// <paramref name="startMs"/> to <paramref name="lastMinuteMs"/> covers (its last 24 at most), for
    /// one without a baseline of this hour of the week (an hourly job never has ten executions in
    /// one, a job every fifteen minutes not for three weeks): the same hours of each of the last
    /// <see cref="UsualDays"/> days, and of the same weekday in the last <see cref="UsualWeeks"/>
    /// weeks, each from the hourly sums of the hours that ended before the step, when they hold
    /// <paramref name="minExecutions"/> executions from two days at least. A job slower every night,
    /// or every weekend, is then compared with its nights or weekends, not with all hours.
    /// </summary>
    internal static List<StoredBaseline> UsualAt(string id, IReadOnlyList<StoredOperationHour> hours, long startMs, long lastMinuteMs, int minExecutions)
    {
        var lastHourMs = FloorDivision.Of(lastMinuteMs, HourMs) * HourMs;
        var firstHourMs = Math.Max(FloorDivision.Of(startMs, HourMs) * HourMs, lastHourMs - DayMs + HourMs);
        var byHour = new Dictionary<long, StoredOperationHour>();
        foreach (var hour in hours)
        {
            if (hour.OperationId == id && hour.HourMs + HourMs <= startMs)
            {
                byHour[hour.HourMs] = hour;
            }
        }

        var usual = new List<StoredBaseline>(2);
        var accumulator = new WindowAccumulator();
        foreach (var (days, step, slot) in new[] { (UsualDays, DayMs, -3), (UsualWeeks, WeekMs, -2) })
        {
            accumulator.Reset();
            var (daysWith, minutes, fromMs) = (0, 0L, long.MaxValue);
            for (var back = 1; back <= days; back++)
            {
                var with = false;
                for (var hourMs = firstHourMs; hourMs <= lastHourMs; hourMs += HourMs)
                {
                    if (byHour.TryGetValue(hourMs - (back * step), out var hour) && hour.Count > 0)
                    {
                        accumulator.AddSummary(hour.Count, hour.Errors, hour.Sum, hour.Min, hour.Max, hour.Bins);
                        (with, minutes, fromMs) = (true, minutes + 60, Math.Min(fromMs, hour.HourMs));
                    }
                }

                daysWith += with ? 1 : 0;
            }

            if (daysWith >= 2 && accumulator.Count >= minExecutions && OperationFigures.From(accumulator, minutes) is { } figures)
            {
                usual.Add(new StoredBaseline(id, slot, figures.Executions, figures.Failures, figures.AvgMs, figures.P50Ms, figures.P95Ms, figures.P99Ms, minutes, fromMs, lastHourMs - DayMs + HourMs, lastMinuteMs));
            }
        }

        return usual;
    }

    /// <summary>Stores a finding that leaves the baseline (and raises the alert for a regression).</summary>
    private async Task RecordAsync(OperationKey key, BaselineFinding leaving, long lastMinuteMs, long nowMs, PerformanceOptions settings, CancellationToken cancellationToken)
    {
        var (finding, baselineValue, baselineChange) = leaving;
        var (before, after) = Versions(key.Id, finding.StartMs, lastMinuteMs);
        var regression = finding.Direction > 0;
        var stored = new StoredRegression(
            Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(nowMs)).ToString("N"), key.Id, regression ? "regression" : "improvement",
            StepDetector.NameOf(finding.Measure), regression ? "open" : "recorded", finding.StartMs, nowMs, null,
            Math.Round(finding.BeforeValue, 3), Math.Round(finding.AfterValue, 3), finding.ChangePercent, baselineValue, baselineChange, // ms to 3 decimals, as operations show them
            Math.Round(finding.Confidence, 6), finding.BlockMinutes, before, after);
        await regressions.InsertAsync(stored, cancellationToken).ConfigureAwait(false);
        _quietUntil[key.Id] = StepDetector.QuietUntil(finding, lastMinuteMs);
        LogFound(logger, stored.Kind, key.Name, finding.ChangePercent);
        if (regression && sink is not null)
        {
            await sink.ReportAsync(new RegressionAlert(key.Id, key.Name, key.Kind, key.Service, Open: true, Describe(key, stored),
                stored.AfterMs, Math.Round(stored.BeforeMs * (1 + (settings.ChangePercent / 100)), 3)).Condition, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Resolves an open regression whose operation is back, has not run for an hour (for one judged
    /// by the minutes it ran in, for an hour and three of its usual gaps between runs), or could not
    /// be judged for an hour while it ran (too few executions a minute for a block, or its measure
    /// not known: a geometric mean with 0 ms executions in most blocks); true when it did.
    /// </summary>
    private async Task<bool> CheckBackAsync(StoredRegression regression, Tracked tracked, long lastMinuteMs, long nowMs, PerformanceOptions settings, CancellationToken cancellationToken)
    {
        var (key, log) = (tracked.Key, tracked.Log);
        var runs = ByRuns(tracked, lastMinuteMs);

        // A measure this version does not know (stored by a newer one) is never judged back here; an hour without executions (for one
        // judged by its runs, the longer of an hour and three of its gaps), or an hour unjudged, still closes it.
        var back = StepDetector.MeasureNamed(regression.Measure) is not { } measure ? null
            : runs is not null ? StepDetector.RunIsBack(runs, regression.StartedAtMs, measure, 1, regression.BeforeMs, settings.ChangePercent)
            : StepDetector.IsBack(log, lastMinuteMs, measure, 1, regression.BeforeMs, settings.ChangePercent);
        var silentMs = runs?.TypicalGapMs() is { } gap ? Math.Max(SilentMs, 3 * gap) : SilentMs;
        var lastRunMs = runs?.LatestMs ?? log.LatestMs;
        var silent = lastRunMs is not { } latest || latest < lastMinuteMs - silentMs;
        if (back is null && !silent)
        {
            // Judged run by run, fewer than four runs since the step are not an hour unjudged: it waits for them.
            silent = (runs is null || StepDetector.MeasureNamed(regression.Measure) is null) && UnjudgedForAnHour(regression, log, lastMinuteMs, settings.ChangePercent);
        }

        if (back != true && !silent)
        {
            return false;
        }

        if (!await regressions.ResolveAsync(regression.Id, nowMs, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _quietUntil[key.Id] = lastMinuteMs + (StepDetector.HistoryMinutes * MinuteMs / 2);
        var reason = silent && back is null && lastRunMs >= lastMinuteMs - silentMs
            ? $"{key.Name} could not be judged for an hour ({regression.Measure}): its regression is closed."
            : silent
            ? string.Create(CultureInfo.InvariantCulture, $"{key.Name} has not run for {TimeSpan.FromMilliseconds(silentMs).TotalMinutes:0} minutes: its regression is closed.")
            : string.Create(CultureInfo.InvariantCulture, $"{key.Name} is back: {regression.Measure} near {regression.BeforeMs:0.#} ms again.");
        if (sink is not null)
        {
            await sink.ReportAsync(new RegressionAlert(key.Id, key.Name, key.Kind, key.Service, Open: false, reason, regression.BeforeMs,
                Math.Round(regression.BeforeMs * (1 + (settings.ChangePercent / 100)), 3)).Condition, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="regression"/>, open for an hour at least, could not be judged at any
    /// minute of the last hour (<see cref="StepDetector.IsBack"/> null at each): read from the log,
    /// which a restart refills from the stored rollups, so a restart does not start the hour again.
    /// </summary>
    private static bool UnjudgedForAnHour(StoredRegression regression, MinuteLog log, long lastMinuteMs, double changePercent)
    {
        if (regression.DetectedAtMs > lastMinuteMs - SilentMs)
        {
            return false;
        }

        if (StepDetector.MeasureNamed(regression.Measure) is not { } measure)
        {
            return true; // a measure this version does not know (stored by a newer one) is never judged here
        }

        for (var minuteMs = lastMinuteMs - MinuteMs; minuteMs > lastMinuteMs - SilentMs; minuteMs -= MinuteMs)
        {
            if (StepDetector.IsBack(log, minuteMs, measure, 1, regression.BeforeMs, changePercent) is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The minutes <paramref name="tracked"/> ran in, when it is to be judged by them: too quiet in
    /// the last hour for blocks of minutes (<see cref="StepDetector.BlockMinutes"/>) and with some
    /// minutes kept; else null (judged by blocks of minutes).
    /// </summary>
    private static RunLog? ByRuns(Tracked tracked, long lastMinuteMs) =>
        tracked.Runs is { } runs && StepDetector.BlockMinutes(tracked.Log, lastMinuteMs) is null ? runs : null;

    /// <summary>The minutes of <paramref name="runs"/> from <paramref name="fromMs"/> on as one block.</summary>
    private static StepDetector.Block RunsSince(RunLog runs, long fromMs)
    {
        var minutes = new List<MinuteSummary>();
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i].MinuteMs >= fromMs)
            {
                minutes.Add(runs[i].Summary);
            }
        }

        return StepDetector.Block.Of(fromMs, minutes.ToArray());
    }

    /// <summary>The minutes from <paramref name="fromMs"/> to <paramref name="lastMinuteMs"/> as one block: for a quantile the execution-weighted one of the minutes' values; the averages exact.</summary>
    private static StepDetector.Block Since(MinuteLog log, long fromMs, long lastMinuteMs)
    {
        var minutes = new List<MinuteSummary>();
        for (var m = fromMs; m <= lastMinuteMs; m += MinuteMs)
        {
            if (log.Get(m) is { Count: > 0 } minute)
            {
                minutes.Add(minute);
            }
        }

        return StepDetector.Block.Of(fromMs, minutes.ToArray());
    }

    /// <summary>The <c>version</c> labels of the operation's series with executions before and since the step (what memory holds), comma-separated.</summary>
    private (string? Before, string? After) Versions(string operationId, long startMs, long lastMinuteMs)
    {
        var before = new SortedSet<string>(StringComparer.Ordinal);
        var after = new SortedSet<string>(StringComparer.Ordinal);
        var accumulator = new WindowAccumulator();
        foreach (var (key, series) in catalog.SeriesByOperation(store))
        {
            if (key.Id != operationId)
            {
                continue;
            }

            foreach (var s in series)
            {
                if (s.Labels["version"] is not { Length: > 0 } version)
                {
                    continue;
                }

                accumulator.Reset();
                s.AggregateInto(accumulator, long.MinValue, startMs);
                if (accumulator.Count > 0)
                {
                    before.Add(version);
                }

                accumulator.Reset();
                s.AggregateInto(accumulator, startMs, lastMinuteMs + MinuteMs);
                if (accumulator.Count > 0)
                {
                    after.Add(version);
                }
            }
        }

        return (before.Count == 0 ? null : string.Join(',', before), after.Count == 0 ? null : string.Join(',', after));
    }

    private static string Describe(OperationKey key, StoredRegression r)
    {
        var versions = r.VersionsAfter is not null && r.VersionsAfter != r.VersionsBefore ? $"; versions {r.VersionsBefore ?? "none"} → {r.VersionsAfter}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{key.Name}: {r.Measure} {r.ChangePercent:+0.#;-0.#} % ({r.BeforeMs:0.#} → {r.AfterMs:0.#} ms) since {DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs):yyyy-MM-dd HH:mm} UTC, confidence {100 * r.Confidence:0.##} %{versions}.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Points were stored into minutes the regression detector had fed: reading the last four hours again")]
    private static partial void LogRereading(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Performance {Kind} of {Operation}: {ChangePercent} %")]
    private static partial void LogFound(ILogger logger, string kind, string operation, double changePercent);
}

/// <summary>Stored rollups of operations' series, merged by operation and minute (the series of an operation's statuses, versions, hosts).</summary>
internal sealed class OperationMinutes
{
    private readonly Dictionary<(string Id, long MinuteMs), List<(Rollup Rollup, bool IsError)>> _byMinute = [];
    private readonly Dictionary<string, OperationKey> _keys = new(StringComparer.Ordinal);

    public void Add(OperationKey key, LabelSet labels, Rollup rollup)
    {
        _keys[key.Id] = key;
        if (!_byMinute.TryGetValue((key.Id, rollup.MinuteStartMs), out var list))
        {
            _byMinute[(key.Id, rollup.MinuteStartMs)] = list = [];
        }

        list.Add((rollup, MetricSeries.IsErrorStatus(labels["status"])));
    }

    /// <summary>Each operation's minutes merged, oldest first.</summary>
    public void Merge(Action<OperationKey, long, WindowAccumulator> minute)
    {
        var accumulator = new WindowAccumulator();
        foreach (var ((id, minuteMs), list) in _byMinute.OrderBy(e => e.Key.MinuteMs))
        {
            accumulator.Reset();
            foreach (var (rollup, isError) in list)
            {
                accumulator.AddRollup(rollup, isError);
            }

            minute(_keys[id], minuteMs, accumulator);
        }
    }
}

/// <summary>
/// An operation the monitor follows: its last four hours of minutes, the (quiet) minutes it ran in,
/// the latest of those it was judged at, and the start of the last step found in them.
/// </summary>
internal sealed class Tracked(OperationKey key, MinuteLog log)
{
    public OperationKey Key { get; } = key;

    public MinuteLog Log { get; } = log;

    public RunLog? Runs { get; set; }

    /// <summary>The start of the last step recorded from <see cref="Runs"/>: only the runs since are compared (it stays among them for days, and is found once).</summary>
    public long? RunStepStartMs { get; set; }

    public long? JudgedRunMs { get; set; }
}

/// <summary>A step finding that leaves the baseline too: the baseline's value of its measure (null for a geometric mean) and the change against it, in percent.</summary>
internal sealed record BaselineFinding(StepFinding Finding, double? BaselineMs, double? BaselineChangePercent);
