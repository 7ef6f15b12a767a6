using System.Globalization;
using System.Runtime.InteropServices;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// Evaluates rules against the in-memory aggregates: finds the series of the rule's metric
/// that match its labels, groups them, merges each group's buckets over the window and
/// compares the aggregate with the threshold. One instance per evaluating thread: it keeps a
/// 32 KB accumulator and, between calls, what makes the next pass cheap — per rule its groups
/// and their series (rebuilt when the metric gains or loses a series; found through an index
/// from label value to series once a metric is evaluated twice), and per series and window the
/// merged state of its encoded buckets (<see cref="SeriesWindow"/>), shared by every rule that
/// reads the same series over the same window, so a pass decodes only the buckets that entered
/// or left each window since the previous pass.
/// </summary>
public sealed class RuleEvaluator
{
    // Unused plans and windows are dropped after this many passes (calls with a new nowMs).
    private const int KeepUnusedPasses = 32;
    private const long MinuteMs = 60_000;

    // A sequential rule weighs at most this many minutes before its window that no pass weighed.
    private const int CatchUpMinutes = 60;

    private readonly WindowAccumulator _accumulator = new();
    private WindowAccumulator? _scratch;
    private WindowAccumulator? _partScratch; // one series' minute, for a latency test
    private readonly Dictionary<PlanKey, Plan> _plans = [];
    private readonly Dictionary<MetricFamily, FamilyIndex> _indexes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<WindowKey, SeriesWindow> _windows = [];
    private readonly Dictionary<LabelSet, int> _groupIndex = [];
    private readonly List<MinuteTally> _tallies = [];
    private long _pass;
    private long _lastNowMs = long.MinValue;
    private long _firstNowMs;
    private long _lastSweep;

    /// <summary>
    /// Evaluates <paramref name="rule"/> at <paramref name="nowMs"/>. Groups with no series
    /// at all do not appear. <paramref name="memory"/> is the rule's memory (its groups'
    /// seasonal baselines and recent minutes); without one, baseline thresholds have not
    /// enough data and <c>metMinutes</c> is not applied.
    /// </summary>
    public IReadOnlyList<GroupEvaluation> Evaluate(AlertRule rule, MetricStore store, long nowMs, RuleMemory? memory = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(store);
        if (store.Family(rule.Metric) is not { } family)
        {
            return [];
        }

        if (nowMs != _lastNowMs)
        {
            _firstNowMs = _lastNowMs == long.MinValue ? nowMs : _firstNowMs;
            _lastNowMs = nowMs;
            _pass++;
            if (_pass - _lastSweep >= KeepUnusedPasses)
            {
                Sweep();
            }
        }

        var plan = PlanFor(rule, family);
        var windowMs = (long)rule.Window.TotalMilliseconds;
        var needsBins = rule.Aggregation.ReadsBins();
        var needsExtremes = needsBins || rule.Aggregation is Aggregation.Min or Aggregation.Max;
        var results = new List<GroupEvaluation>(plan.Groups.Length);
        if (SequentialTest.IsSequential(rule))
        {
            foreach (var group in plan.Groups)
            {
                var current = AggregateSequential(group, rule, store, nowMs, memory?.LastWeighedMinute(group.Labels) ?? long.MinValue);
                results.Add(memory is not null
                    ? memory.Judge(rule, group.Labels, current, nowMs, _accumulator, CollectionsMarshal.AsSpan(_tallies))
                    : Judge(rule, group.Labels, current, null));
            }

            return results;
        }

        foreach (var group in plan.Groups)
        {
            var current = rule.TrimMinutes > 0
                ? AggregateTrimmed(group, rule, nowMs, needsBins, needsExtremes)
                : Aggregate(group.Members, group.Current, rule.Aggregation, nowMs - windowMs, nowMs + 1, rule.Window, needsBins, needsExtremes);
            results.Add(memory is not null ? memory.Judge(rule, group.Labels, current, nowMs, _accumulator) : Judge(rule, group.Labels, current, null, _accumulator));
        }

        return results;
    }

    /// <summary>
    /// Whether a window holds enough points to be judged: counts, sums and rates always do
    /// (an empty window is 0, a stopped stream); the other aggregations need the rule's
    /// <c>minDataPoints</c>.
    /// </summary>
    public static bool HasEnoughPoints(AlertRule rule, long points)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return IsCounting(rule.Aggregation) || points >= Math.Max(1, rule.MinDataPoints);
    }

    /// <summary>
    /// Compares one group's window aggregate with the rule's threshold. <paramref name="baseline"/>
    /// is the group's seasonal baseline as of now (dynamic, percent-change and anomaly
    /// thresholds, and static ones with <see cref="AlertRule.UnlessUsual"/>; null while there is
    /// too little history). Used by the live evaluation and the backtest alike (through
    /// <see cref="RuleMemory"/>), so both judge the same. <paramref name="sample"/> holds the
    /// window's points: an anomaly of a quantile counts only when they show it beyond chance as
    /// well (<see cref="QuantileMoved"/>); without it, the band alone decides. With
    /// <paramref name="learningUsual"/>, a static limit with <see cref="AlertRule.UnlessUsual"/>
    /// whose group has no usual value yet is still learning it (<see cref="RuleMemory"/>: its first
    /// day of values) and is not judged; without, the limit alone decides.
    /// </summary>
    public static GroupEvaluation Judge(AlertRule rule, LabelSet group, (double? Value, long Points) window, BaselineEstimate? baseline, WindowAccumulator? sample = null, bool learningUsual = false)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (value, points) = window;
        if (value is null || !HasEnoughPoints(rule, points))
        {
            return NoData(rule, group, value, points);
        }

        double threshold;
        var current = value.Value;
        switch (rule.ThresholdType)
        {
            case ThresholdType.Dynamic:
                if (baseline is null || rule.BaselineMultiplier is not { } multiplier)
                {
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, value, null, points, Recovered: false);
                }

                threshold = baseline.Center * multiplier;
                break;
            case ThresholdType.PercentChange:
                if (baseline?.PercentChange(current) is not { } change)
                {
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, null, rule.Threshold, points, Recovered: false);
                }

                current = change;
                threshold = rule.Threshold ?? 0;
                break;
            case ThresholdType.Anomaly:
                if (baseline is null)
                {
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, value, null, points, Recovered: false);
                }

                var band = baseline.Band(rule.Sensitivity, rule.MinChange ?? 0);
                if (CountingBand(rule, baseline.Center, points) is { } counting)
                {
                    band = new AnomalyBand(Math.Min(band.Lower, counting.Lower), Math.Max(band.Upper, counting.Upper));
                }

                if (CountingLowerEdge(rule, baseline) is { } lower)
                {
                    // Below, the spread's k σ give way to the count's own short tail (the floor of the minimum change still holds).
                    var floor = (baseline with { LowerSpread = 0 }).Band(rule.Sensitivity, rule.MinChange ?? 0);
                    band = band with { Lower = Math.Min(floor.Lower, lower) };
                }

                threshold = rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual ? band.Lower : band.Upper;
                break;
            default:
                threshold = rule.Threshold ?? 0;
                if (!rule.UnlessUsual)
                {
                    break;
                }

                if (baseline is null)
                {
                    if (!learningUsual)
                    {
                        break; // no usual value to compare with, and none being learnt: the limit alone decides
                    }

                    // Whether the group became slow (or failing) needs what it usually does: until its
                    // first values show that, the limit alone would page about a route slow by nature.
                    return new GroupEvaluation(group, ConditionState.NotEnoughData, FiniteValues.Finite(current), threshold, points, Recovered: false)
                    {
                        Reason = $"learning what is usual: no usual {rule.Aggregation.ToWire()} for the group yet (unlessUsual)",
                    };
                }

                if (rule.Comparison.Holds(baseline.Center, rule.RecoveryThreshold ?? threshold))
                {
                    return new GroupEvaluation(group, ConditionState.NotMet, FiniteValues.Finite(current), threshold, points, Recovered: true)
                    {
                        Reason = string.Create(
                            CultureInfo.InvariantCulture,
                            $"not unusual: the usual {rule.Aggregation.ToWire()} {(baseline.Level == BaselineLevel.Flat ? "so far" : "at this hour")} is {baseline.Center:0.###}, itself past {rule.RecoveryThreshold ?? threshold:0.###} (unlessUsual)"),
                    };
                }

                break;
        }

        // A percent change over a tiny baseline, or a baseline times a large multiplier,
        // can overflow: alerts store and serialise these, so they stay finite.
        current = FiniteValues.Finite(current);
        threshold = FiniteValues.Finite(threshold);
        var met = rule.Comparison.Holds(current, threshold);
        string? reason = null;
        var heldBack = false;
        if (met && rule.ThresholdType == ThresholdType.Static && rule.UnlessUsual && baseline is not null
            && baseline.Band(AnomalySensitivity.Low) is var usual && !double.IsNaN(usual.Lower) && !double.IsNaN(usual.Upper)
            && (rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual ? !usual.IsBelow(current) : !usual.IsAbove(current)))
        {
            // Past the limit, but within what the group usually does at this hour (a low anomaly
            // band: 6 σ and 35 %): a route usually at 850 ms whose p95 of a quiet night hour reads
            // 1 100 ms has not become slow. Not met, and not a recovery either: the value is still
            // past the limit, so an open alert resolves by the recovery threshold (or the limit) as ever.
            met = false;
            heldBack = true;
            reason = string.Create(
                CultureInfo.InvariantCulture,
                $"not unusual: {current:0.###} is within the usual {rule.Aggregation.ToWire()} {(baseline.Level == BaselineLevel.Flat ? "so far" : "at this hour")} of {baseline.Center:0.###} ({usual.Lower:0.###} to {usual.Upper:0.###}; unlessUsual)");
        }

        if (met && rule.ThresholdType == ThresholdType.Anomaly && sample is { HasBins: true } && rule.Aggregation.Quantile() is { } quantile)
        {
            var atOrBelow = sample.CountAtOrBelow(baseline!.Center);
            if (!QuantileMoved(rule, quantile, atOrBelow, sample.BinnedCount))
            {
                met = false;
                heldBack = true; // past the band, not shown beyond chance: not met, and not a recovery either
                reason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"within chance: {atOrBelow} of {sample.BinnedCount} points at or below the usual {rule.Aggregation.ToWire()} of {baseline.Center:0.###}");
            }
        }

        var recovered = !met && !heldBack && (rule.RecoveryThreshold is not { } recovery || !rule.Comparison.Holds(current, recovery));
        return new GroupEvaluation(group, met ? ConditionState.Met : ConditionState.NotMet, current, threshold, points, recovered) { Reason = reason };
    }

    /// <summary>
    /// Whether a window's points show that its quantile moved from the usual value beyond chance
    /// (a sign test): while requests come from the usual distribution, how many of the
    /// <paramref name="points"/> are at or below its q-quantile (<paramref name="atOrBelow"/>) is
    /// binomial (n, q), so above it improbably few are, below it improbably many. Exact for the requests themselves, so a
    /// low-sensitivity rule (whose band's 6 σ allow for a spread the history misjudges) takes
    /// medium's probability (1 in 31 600) here: a quiet service's p50 over 15 requests is
    /// anomalous only when every one of them was slower than usual.
    /// </summary>
    private static bool QuantileMoved(AlertRule rule, double quantile, long atOrBelow, long points)
    {
        var sensitivity = rule.Sensitivity == AnomalySensitivity.Low ? AnomalySensitivity.Medium : rule.Sensitivity;
        return rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual
            ? CountingTails.IsImprobablyMany(atOrBelow, points, quantile, sensitivity)
            : CountingTails.IsImprobablyFew(atOrBelow, points, quantile, sensitivity);
    }

    /// <summary>
    /// Reduces what <paramref name="accumulator"/> holds with <paramref name="aggregation"/>:
    /// counts, sums and rates of an empty window are zero (a throughput drop is an alert);
    /// everything else needs points.
    /// </summary>
    public static (double? Value, long Points) Reduce(WindowAccumulator accumulator, Aggregation aggregation, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(accumulator);
        var points = accumulator.Count;
        var value = points == 0 && !IsCounting(aggregation)
            ? null
            : accumulator.Value(aggregation, window);
        return (value, points);
    }

    /// <summary>Whether an aggregation counts (count, sum, rates): an empty window is 0, not "no data".</summary>
    public static bool IsCounting(Aggregation aggregation) =>
        aggregation is Aggregation.Count or Aggregation.Sum or Aggregation.RatePerSecond or Aggregation.RatePerMinute;

    /// <summary>
    /// Whether a window's value counts events or a share of them (counts, rates, error rates):
    /// counting chance sets how far it strays (<see cref="CountingBand"/>).
    /// </summary>
    public static bool CountsEvents(Aggregation aggregation) =>
        aggregation is Aggregation.Count or Aggregation.RatePerMinute or Aggregation.RatePerSecond or Aggregation.ErrorRatePercent;

    /// <summary>
    /// The values counting chance alone keeps a window's value within when the series is at its
    /// baseline <paramref name="center"/> (<see cref="CountingTails"/> at the rule's
    /// sensitivity): Poisson for counts and rates (a quiet service's 2 requests a minute swing
    /// by half from one window to the next, and 0 in 5 minutes is not yet improbable), errors
    /// among the window's <paramref name="points"/> for error rates (one error in 25 requests
    /// is 4 %; at least half an error is expected, so a usually clean series is not judged on a
    /// rate of 0). An anomaly band is never narrower than this, whatever the history's spread
    /// looked like. Null for the other aggregations, whose spread the history measures.
    /// </summary>
    public static AnomalyBand? CountingBand(AlertRule rule, double center, long points)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Aggregation == Aggregation.ErrorRatePercent && points > 0)
        {
            var (lowErrors, highErrors) = CountingTails.Binomial(points, Math.Max(center / 100, 0.5 / points), rule.Sensitivity);
            return new AnomalyBand(100 * (lowErrors + 0.5) / points, 100 * (highErrors - 0.5) / points);
        }

        if (CountsPerUnit(rule) is not { } unit)
        {
            return null;
        }

        var expected = center * unit;
        if (!(expected < 1e15))
        {
            return null; // counting noise is nothing at this size (and a count this large does not fit a long)
        }

        // At least one expected event, so a series that is usually silent is not anomalous at its first one.
        var (low, high) = CountingTails.Poisson(Math.Max(expected, 1), rule.Sensitivity);
        return new AnomalyBand((low + 0.5) / unit, (high - 0.5) / unit);
    }

    /// <summary>How many events one unit of a count's or rate's value is over the rule's window; null for the other aggregations.</summary>
    private static double? CountsPerUnit(AlertRule rule) => rule.Aggregation switch
    {
        Aggregation.Count => 1,
        Aggregation.RatePerMinute => rule.WindowMinutes,
        Aggregation.RatePerSecond => rule.WindowMinutes * 60.0,
        _ => null,
    };

    /// <summary>
    /// The lower edge of a count's or rate's anomaly band from its history: the window's count is a
    /// negative binomial around the expected count (the center × the window, at least 1) whose
    /// variance is the history's lower spread in counts, squared — Poisson chance plus the swings
    /// beyond it (at least the Poisson's) — improbably low at the rule's sensitivity
    /// (<see cref="CountingTails.NegativeBinomial"/>). The spread's k σ below the center would
    /// count the window's Poisson chance as if it were normal: a quiet service's windows spread by
    /// about the square root of its count, and 4 σ of that reach below zero, so its silence was
    /// never anomalous. Null for the other aggregations, and for error rates (whose band is
    /// <see cref="CountingBand"/>'s errors among the window's requests).
    /// </summary>
    public static double? CountingLowerEdge(AlertRule rule, BaselineEstimate history)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(history);
        if (CountsPerUnit(rule) is not { } unit || !(history.Center * unit < 1e15))
        {
            return null;
        }

        var expected = Math.Max(history.Center * unit, 1);

        var variance = history.LowerSpread * unit * history.LowerSpread * unit;
        var extra = double.IsNaN(variance) ? 0 : Math.Min(Math.Max(0, variance - expected), 1e300);
        return (CountingTails.NegativeBinomial(expected, extra, rule.Sensitivity).Low + 0.5) / unit;
    }

    private static GroupEvaluation NoData(AlertRule rule, LabelSet group, double? value, long points) => rule.NoData switch
    {
        NoDataPolicy.Ok => new GroupEvaluation(group, ConditionState.NotMet, value, rule.Threshold, points, Recovered: true),
        NoDataPolicy.Alerting => new GroupEvaluation(group, ConditionState.Met, value, rule.Threshold, points, Recovered: false)
        {
            Reason = $"no data: {points} points in the window, fewer than the {Math.Max(1, rule.MinDataPoints)} the rule needs",
        },
        _ => new GroupEvaluation(group, ConditionState.NotEnoughData, value, rule.Threshold, points, Recovered: false),
    };

    /// <summary>Whether a series' labels satisfy a rule's exact matchers (a missing label matches "").</summary>
    public static bool Matches(LabelSet labels, IReadOnlyDictionary<string, string> match)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(match);
        foreach (var (name, value) in match)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The group a series falls in under a rule's <c>groupBy</c>.</summary>
    public static LabelSet GroupOf(AlertRule rule, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(labels);
        return rule.GroupBy.Count == 0 ? LabelSet.Empty : labels.Select(rule.GroupBy as IReadOnlyCollection<string> ?? [.. rule.GroupBy]);
    }

    private (double? Value, long Points) Aggregate(MetricSeries[] members, SeriesWindow[] windows, Aggregation aggregation, long fromMs, long toMs, TimeSpan window, bool needsBins, bool needsExtremes)
    {
        _accumulator.Reset();
        for (var i = 0; i < members.Length; i++)
        {
            windows[i].LastUsed = _pass;
            members[i].AggregateInto(_accumulator, fromMs, toMs, windows[i], needsBins, needsExtremes);
        }

        return Reduce(_accumulator, aggregation, window);
    }

    /// <summary>
    /// The window of a rule that trims its worst minutes (<see cref="WindowTrim"/>): its last
    /// <c>windowMinutes</c> clock minutes, the current one so far included, as a backtest reads them
    /// from the 1-minute rollups — a one-minute burst within a clock minute is one minute here too,
    /// and the minute's last evaluation, which the rule's memory keeps, sees what the backtest sees.
    /// Each minute is a sliding window of its own per series, kept in the group, so a pass decodes
    /// what entered the current minute (and, when a minute begins, the minute that left).
    /// </summary>
    private (double? Value, long Points) AggregateTrimmed(Group group, AlertRule rule, long nowMs, bool needsBins, bool needsExtremes)
    {
        var source = MinutesOf(group, rule, nowMs, needsBins, needsExtremes);
        _accumulator.Reset();
        WindowTrim.Merge(_accumulator, ref source, rule, _scratch ??= new WindowAccumulator());
        return Reduce(_accumulator, rule.Aggregation, rule.Window);
    }

    /// <summary>
    /// The window of a sequential anomaly rule (<see cref="SequentialTest"/>), read minute by minute
    /// as a trimming rule's (<see cref="AggregateTrimmed"/>), and in <see cref="_tallies"/>, in time
    /// order, the whole minutes after <paramref name="weighedMinute"/> (the group's last one weighed)
    /// that have settled (ended <see cref="SequentialTest.SettleMs"/> ago): those of the window, and
    /// for a group weighed before, up to <see cref="CatchUpMinutes"/> before it that no pass weighed
    /// (passes further apart than the window) and the store still holds. Only minutes that began at
    /// or after this evaluator's first pass are weighed live: the points of earlier ones may have
    /// been lost while Vigil was not running, and a minute without points would read as a drop.
    /// </summary>
    private (double? Value, long Points) AggregateSequential(Group group, AlertRule rule, MetricStore store, long nowMs, long weighedMinute)
    {
        var needsBins = rule.Aggregation.ReadsBins(); // a latency test weighs each minute's requests by their bins
        var source = MinutesOf(group, rule, nowMs, needsBins, needsExtremes: needsBins);
        var scratch = _scratch ??= new WindowAccumulator();
        _tallies.Clear();
        var firstLiveMs = (FloorDivision.Of(_firstNowMs - 1, MinuteMs) + 1) * MinuteMs; // the first minute that began at or after the first pass
        var fromMs = weighedMinute == long.MinValue
            ? source.FirstMinuteMs // a new group: its window, not the minutes before it existed
            : Math.Max(store.MemoryHorizonMs, Math.Max(source.FirstMinuteMs - (CatchUpMinutes * MinuteMs), (weighedMinute + 1) * MinuteMs));
        fromMs = Math.Max(fromMs, firstLiveMs);

        for (var startMs = fromMs; startMs + MinuteMs + SequentialTest.SettleMs <= nowMs; startMs += MinuteMs)
        {
            scratch.Reset();
            if (needsBins)
            {
                _tallies.Add(LatencyTallyOf(group, source, startMs, scratch));
                continue;
            }

            if (startMs >= source.FirstMinuteMs)
            {
                source.AddTo((int)((startMs - source.FirstMinuteMs) / MinuteMs), scratch);
            }
            else
            {
                foreach (var member in group.Members)
                {
                    member.AggregateInto(scratch, startMs, startMs + MinuteMs);
                }
            }

            _tallies.Add(TallyOf(scratch, startMs));
        }

        _accumulator.Reset();
        for (var i = 0; i < source.Count; i++)
        {
            source.AddTo(i, _accumulator);
        }

        return Reduce(_accumulator, rule.Aggregation, rule.Window);
    }

    /// <summary>
    /// One minute of a group for a latency test, series by series (<see cref="MinuteTally.Parts"/>),
    /// its totals merged into <paramref name="scratch"/> (reset) on the way: each series' minute is
    /// read on its own, from the window's minutes where the minute is one of them.
    /// </summary>
    private MinuteTally LatencyTallyOf(Group group, LiveMinutes source, long startMs, WindowAccumulator scratch)
    {
        var part = _partScratch ??= new WindowAccumulator();
        List<MinutePart>? parts = null;
        for (var m = 0; m < group.Members.Length; m++)
        {
            part.Reset();
            if (startMs >= source.FirstMinuteMs)
            {
                source.AddMemberTo((int)((startMs - source.FirstMinuteMs) / MinuteMs), m, part);
            }
            else
            {
                group.Members[m].AggregateInto(part, startMs, startMs + MinuteMs);
            }

            if (part.Count == 0)
            {
                continue;
            }

            var minute = part.ToMinute(startMs);
            scratch.IsCounter = part.IsCounter;
            scratch.AddMinute(minute, bins: false);
            if (minute.Bins is { } bins)
            {
                (parts ??= []).Add(new MinutePart(group.Members[m].Labels, bins));
            }
        }

        return TallyOf(scratch, startMs) with { Parts = parts?.ToArray() ?? default(ReadOnlyMemory<MinutePart>) };
    }

    /// <summary>One minute of a group, as the sequential test weighs it: the events a rate counts (points, or a counter's increase), the points and the errors (a latency test's timing points go series by series in its <see cref="MinuteTally.Parts"/>).</summary>
    internal static MinuteTally TallyOf(WindowAccumulator minute, long minuteStartMs) =>
        new(FloorDivision.Of(minuteStartMs, MinuteMs), minute.Value(Aggregation.RatePerMinute, TimeSpan.FromMinutes(1)) ?? 0, minute.Count, minute.ErrorCount);

    /// <summary>The last <c>windowMinutes</c> clock minutes of a group (the current one so far included), each through its own sliding windows, kept in the group.</summary>
    private static LiveMinutes MinutesOf(Group group, AlertRule rule, long nowMs, bool needsBins, bool needsExtremes)
    {
        var count = (int)rule.WindowMinutes;
        if (group.Minutes?.Length != count)
        {
            group.Minutes = new SeriesWindow[count][];
            for (var i = 0; i < count; i++)
            {
                group.Minutes[i] = [.. group.Members.Select(_ => new SeriesWindow())];
            }
        }

        var firstMinuteMs = (FloorDivision.Of(nowMs, MinuteMs) - (count - 1)) * MinuteMs;
        return new LiveMinutes(group.Members, group.Minutes, firstMinuteMs, nowMs, needsBins, needsExtremes);
    }

    /// <summary>The rule's groups and series, reused while its metric's series stay the same.</summary>
    private Plan PlanFor(AlertRule rule, MetricFamily family)
    {
        var key = new PlanKey(rule);
        var series = family.Series;
        if (_plans.TryGetValue(key, out var plan) && ReferenceEquals(plan.Family, family) && ReferenceEquals(plan.Items, series.Array) && plan.Count == series.Count)
        {
            plan.LastUsed = _pass;
            return plan;
        }

        var windowMs = (long)rule.Window.TotalMilliseconds;
        var groups = new List<(LabelSet Labels, List<MetricSeries> Members)>();
        _groupIndex.Clear();
        foreach (var candidate in Candidates(family, series, rule.Match))
        {
            if (!Matches(candidate.Labels, rule.Match))
            {
                continue;
            }

            var labels = GroupOf(rule, candidate.Labels);
            if (!_groupIndex.TryGetValue(labels, out var at))
            {
                _groupIndex[labels] = at = groups.Count;
                groups.Add((labels, []));
            }

            groups[at].Members.Add(candidate);
        }

        _groupIndex.Clear();
        var planned = new Group[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            var members = groups[g].Members.ToArray();
            planned[g] = new Group(groups[g].Labels, members, WindowsFor(members, windowMs, -1));
        }

        plan = new Plan(family, series.Array!, series.Count, planned) { LastUsed = _pass };
        _plans[key] = plan;
        return plan;
    }

    /// <summary>The series that can match: those holding the rarest of the rule's label values (all of them without an index).</summary>
    private IEnumerable<MetricSeries> Candidates(MetricFamily family, ArraySegment<MetricSeries> series, IReadOnlyDictionary<string, string> match)
    {
        if (match.Count == 0)
        {
            return series;
        }

        if (!_indexes.TryGetValue(family, out var index))
        {
            // A metric evaluated once (a rule test) is scanned; from its second plan on, indexed.
            _indexes[family] = new FamilyIndex { LastUsed = _pass };
            return series;
        }

        index.LastUsed = _pass;
        index.Update(series);
        List<int>? rarest = null;
        foreach (var (name, value) in match)
        {
            if (value.Length == 0)
            {
                continue; // a missing label matches "": not in the index
            }

            var postings = index.Postings(name, value);
            if (postings is null)
            {
                return [];
            }

            if (rarest is null || postings.Count < rarest.Count)
            {
                rarest = postings;
            }
        }

        return rarest is null ? series : rarest.Select(i => series.Array![i]);
    }

    private SeriesWindow[] WindowsFor(MetricSeries[] members, long fromOffsetMs, long toOffsetMs)
    {
        var windows = new SeriesWindow[members.Length];
        for (var i = 0; i < members.Length; i++)
        {
            var key = new WindowKey(members[i], fromOffsetMs, toOffsetMs);
            if (!_windows.TryGetValue(key, out var window))
            {
                _windows[key] = window = new SeriesWindow();
            }

            window.LastUsed = _pass;
            windows[i] = window;
        }

        return windows;
    }

    /// <summary>Drops the plans, indexes and windows no call used in the last passes (rules deleted, series evicted).</summary>
    private void Sweep()
    {
        _lastSweep = _pass;
        var before = _pass - KeepUnusedPasses;
        foreach (var (key, plan) in _plans)
        {
            if (plan.LastUsed < before)
            {
                _plans.Remove(key);
            }
        }

        foreach (var (key, window) in _windows)
        {
            if (window.LastUsed < before)
            {
                _windows.Remove(key);
            }
        }

        foreach (var (family, index) in _indexes)
        {
            if (index.LastUsed < before)
            {
                _indexes.Remove(family);
            }
        }
    }

    /// <summary>What a plan depends on: the metric, the matchers, the group-by labels and the windows read.</summary>
    private sealed class PlanKey : IEquatable<PlanKey>
    {
        private readonly string _metric;
        private readonly KeyValuePair<string, string>[] _match;
        private readonly string[] _groupBy;
        private readonly long _windowMs;
        private readonly int _hash;

        public PlanKey(AlertRule rule)
        {
            _metric = rule.Metric;
            _match = [.. rule.Match];
            if (_match.Length > 1)
            {
                Array.Sort(_match, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            }

            _groupBy = [.. rule.GroupBy];
            _windowMs = (long)rule.Window.TotalMilliseconds;
            var hash = new HashCode();
            hash.Add(_metric, StringComparer.Ordinal);
            foreach (var (name, value) in _match)
            {
                hash.Add(name, StringComparer.Ordinal);
                hash.Add(value, StringComparer.Ordinal);
            }

            foreach (var name in _groupBy)
            {
                hash.Add(name, StringComparer.Ordinal);
            }

            hash.Add(_windowMs);
            _hash = hash.ToHashCode();
        }

        public bool Equals(PlanKey? other)
        {
            if (other is null || other._hash != _hash || other._windowMs != _windowMs
                || !string.Equals(other._metric, _metric, StringComparison.Ordinal)
                || other._match.Length != _match.Length || other._groupBy.Length != _groupBy.Length)
            {
                return false;
            }

            for (var i = 0; i < _match.Length; i++)
            {
                if (!string.Equals(other._match[i].Key, _match[i].Key, StringComparison.Ordinal) || !string.Equals(other._match[i].Value, _match[i].Value, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            for (var i = 0; i < _groupBy.Length; i++)
            {
                if (!string.Equals(other._groupBy[i], _groupBy[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as PlanKey);

        public override int GetHashCode() => _hash;
    }

    /// <summary>One series over one window: [now − FromOffsetMs, now − ToOffsetMs) (−1: up to and including now).</summary>
    private readonly record struct WindowKey(MetricSeries Series, long FromOffsetMs, long ToOffsetMs);

    private sealed record Group(LabelSet Labels, MetricSeries[] Members, SeriesWindow[] Current)
    {
        /// <summary>
        /// A trimming rule's window minute by minute, oldest first: one window per minute per member
        /// (shared by the trimming rules of the plan; kept while the plan lives, as the whole window's are).
        /// </summary>
        public SeriesWindow[][]? Minutes { get; set; }
    }

    /// <summary>The clock minutes of a group's window from <paramref name="firstMinuteMs"/> to <paramref name="nowMs"/> (the last one so far), each through its own sliding windows.</summary>
    private readonly struct LiveMinutes(MetricSeries[] members, SeriesWindow[][] windows, long firstMinuteMs, long nowMs, bool needsBins, bool needsExtremes) : WindowTrim.IMinutes
    {
        public int Count => windows.Length;

        public long FirstMinuteMs => firstMinuteMs;

        public void AddTo(int index, WindowAccumulator accumulator)
        {
            for (var m = 0; m < members.Length; m++)
            {
                AddMemberTo(index, m, accumulator);
            }
        }

        /// <summary>Merges minute <paramref name="index"/> of one member series, <paramref name="member"/>, into <paramref name="accumulator"/>.</summary>
        public void AddMemberTo(int index, int member, WindowAccumulator accumulator)
        {
            var startMs = firstMinuteMs + (index * MinuteMs);
            var endMs = index == windows.Length - 1 ? nowMs + 1 : startMs + MinuteMs;
            members[member].AggregateInto(accumulator, startMs, endMs, windows[index][member], needsBins, needsExtremes);
        }
    }

    private sealed class Plan(MetricFamily family, MetricSeries[] items, int count, Group[] groups)
    {
        public MetricFamily Family { get; } = family;

        public MetricSeries[] Items { get; } = items;

        public int Count { get; } = count;

        public Group[] Groups { get; } = groups;

        public long LastUsed { get; set; }
    }

    /// <summary>Label name → value → positions in the family's snapshot, kept up to date as series are added.</summary>
    private sealed class FamilyIndex
    {
        private readonly Dictionary<string, Dictionary<string, List<int>>> _postings = new(StringComparer.Ordinal);
        private MetricSeries[]? _items;
        private int _count;

        public long LastUsed { get; set; }

        public List<int>? Postings(string name, string value) =>
            _postings.TryGetValue(name, out var values) && values.TryGetValue(value, out var postings) ? postings : null;

        public void Update(ArraySegment<MetricSeries> series)
        {
            var items = series.Array!;
            if (ReferenceEquals(items, _items) && series.Count == _count)
            {
                return;
            }

            // Series are appended (in place, or into a grown copy); a removal builds a new array with a gap closed.
            var appended = _items is not null && series.Count >= _count;
            for (var i = 0; appended && i < _count; i++)
            {
                appended = ReferenceEquals(items[i], _items![i]);
            }

            var from = _count;
            if (!appended)
            {
                _postings.Clear();
                from = 0;
            }

            for (var i = from; i < series.Count; i++)
            {
                foreach (var (name, value) in items[i].Labels.Pairs)
                {
                    if (!_postings.TryGetValue(name, out var values))
                    {
                        _postings[name] = values = new Dictionary<string, List<int>>(StringComparer.Ordinal);
                    }

                    if (!values.TryGetValue(value, out var postings))
                    {
                        values[value] = postings = [];
                    }

                    postings.Add(i);
                }
            }

            _items = items;
            _count = series.Count;
        }
    }
}
