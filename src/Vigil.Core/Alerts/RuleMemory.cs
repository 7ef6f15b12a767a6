using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// What a rule remembers between evaluations, per group: the seasonal baseline of the value it
/// judges (dynamic, percent-change and anomaly thresholds) and which of the last minutes met
/// its condition (<see cref="AlertRule.MetMinutes"/> of <see cref="AlertRule.OfMinutes"/>).
/// The live engine keeps one per rule, warmed up from the stored rollups; a backtest builds one
/// from the history before its range. Both judge through <see cref="Judge"/>, minute by
/// minute, so a backtest answers what the live engine would have done, and neither looks ahead:
/// a baseline as of an instant holds only the values judged before the hour holding it.
/// Not thread-safe: one evaluating thread at a time.
/// </summary>
public sealed class RuleMemory
{
    /// <summary>The most minutes <see cref="AlertRule.OfMinutes"/> may span.</summary>
    public const int MaxOfMinutes = 60;

    private const long MinuteMs = 60_000;

    // A static limit's usual value is fed every this many minutes (see BaselineOptions).
    private const int UsualFeedMinutes = 5;

    /// <summary>
    /// How long after its first kept value a static limit's group (<see cref="AlertRule.UnlessUsual"/>)
    /// may go without a usual value and still count as learning it, not judged: a day. A group
    /// that has not had the 10 values of a usual value within a day rarely has enough points in a
    /// window (a route that is busy enough a few times a day), and the limit alone judges those
    /// windows, as it would without <c>unlessUsual</c>; a group never goes unjudged for good.
    /// </summary>
    private const long UsualLearningMs = 24 * 3_600_000L;

    private readonly Dictionary<LabelSet, GroupMemory> _groups = [];
    private readonly SeasonalBaselineOptions _options;

    /// <summary>An empty memory for <paramref name="rule"/>.</summary>
    public RuleMemory(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Definition = DefinitionOf(rule);
        _options = BaselineOptions(rule);
    }

    /// <summary>The rule definition this memory holds the state of (<see cref="DefinitionOf"/>): a rule edited since needs a new one.</summary>
    public string Definition { get; }

    /// <summary>Groups remembered.</summary>
    public int GroupCount => _groups.Count;

    /// <summary>An estimate of the memory held, in bytes.</summary>
    public long ApproximateBytes => _groups.Values.Sum(g => 120 + g.Noise.ApproximateBytes + (g.Baseline?.ApproximateBytes ?? 0) + (g.Sequential?.ApproximateBytes ?? 0));

    /// <summary>
    /// The fields of a rule that shape what its memory holds (the value judged, its baseline, the
    /// condition): the memory of a rule whose name, severity or channels change is kept, one
    /// whose metric, window or threshold changes is rebuilt.
    /// </summary>
    public static string DefinitionOf(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return string.Join(
            '\u001f',
            rule.Metric,
            string.Join(',', rule.Match.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "=" + m.Value)),
            string.Join(',', rule.GroupBy),
            rule.Aggregation,
            rule.WindowMinutes.ToString(CultureInfo.InvariantCulture),
            rule.MinDataPoints,
            rule.NoData,
            rule.ThresholdType,
            rule.Threshold?.ToString(CultureInfo.InvariantCulture),
            rule.BaselineMultiplier?.ToString(CultureInfo.InvariantCulture),
            rule.BaselineDays,
            rule.Sensitivity,
            rule.MinChange?.ToString(CultureInfo.InvariantCulture),
            rule.UnlessUsual,
            rule.Comparison,
            rule.RecoveryThreshold?.ToString(CultureInfo.InvariantCulture),
            rule.MetMinutes,
            rule.OfMinutes,
            rule.TrimMinutes,
            rule.AnomalyMethod);
    }

    /// <summary>
    /// How far before an instant a rule's memory reaches: the baseline's history for rules
    /// measured against one, else the minutes counted by <see cref="AlertRule.OfMinutes"/>. A
    /// backtest replays this much before its range (without alerts), so its first steps judge
    /// as the live engine would.
    /// </summary>
    public static TimeSpan WarmUp(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return SequentialTest.IsSequential(rule) ? SequentialTest.History(rule) + TimeSpan.FromHours(2) // the like hours, and the hour before the oldest (interpolation)
            : rule.UsesBaseline ? BaselineOptions(rule).History
            : TimeSpan.FromMinutes(Math.Max(0, rule.OfMinutes - 1));
    }

    /// <summary>
    /// The seasonal baseline settings of a rule: its <c>baselineDays</c> of history (and an hour,
    /// so last week's hour is still whole when the same hour this week is judged), and the hour
    /// of the week only, from one past week on: a rule learns for a week (not enough data) rather
    /// than judge a first weekend against weekdays, and the median of the hour's values keeps a
    /// spike of that week from becoming the baseline. A static threshold's usual value
    /// (<see cref="AlertRule.UnlessUsual"/>) may come from the hour of the day once three past
    /// days have it, and before that from all the history so far (from its first hour): that
    /// baseline only holds alerts back, and what most days do at that hour is known long before the
    /// day of the week is; a route slow all day is slow by nature from its first hour, so a fresh
    /// install does not page about it for three days (on the detection corpus that was 15 of the
    /// 17 false firings of Slow API Endpoint); before that first hour there is no usual value
    /// and the group is not judged, for a day of values at most (<see cref="UsualLearningMs"/>).
    /// It is fed a value every 5 minutes (windows that overlap say much the same thing again: a
    /// 15-minute p95 moves little from one minute to the next): a group of a 15-minute rule over 14 days holds about 47 KB instead of 117 KB (the
    /// slots' bookkeeping stays), and 10 values (12 an hour) make a slot's usual value. One value
    /// per window (four an hour for Slow API Endpoint) made it noisy enough to fire 3 more times on
    /// the detection corpus' seed 3.
    /// </summary>
    public static SeasonalBaselineOptions BaselineOptions(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var options = new SeasonalBaselineOptions
        {
            History = TimeSpan.FromDays(Math.Clamp(rule.BaselineDays, 1, 365)) + TimeSpan.FromHours(1),
            MinWeeks = 1,
            LowestLevel = BaselineLevel.HourOfWeek,
        };
        if (UsualOnly(rule))
        {
            options.MinSamples = 10;
            options.LowestLevel = BaselineLevel.Flat;
        }

        return options;
    }

    /// <summary>Whether the rule's baseline only says what is usual (a static threshold's <see cref="AlertRule.UnlessUsual"/>): its center, fed every <see cref="UsualFeedMinutes"/>.</summary>
    private static bool UsualOnly(AlertRule rule) => rule.ThresholdType == ThresholdType.Static;

    /// <summary>
    /// Judges one group's window aggregate at <paramref name="nowMs"/> (Unix milliseconds; not
    /// before the previous call's): against the group's seasonal baseline as of then, then
    /// through <c>metMinutes</c> of <c>ofMinutes</c>; then the value joins the baseline (once a
    /// minute, and only with enough points). <paramref name="sample"/> holds the window's points
    /// (see <see cref="RuleEvaluator.Judge"/>). A sequential anomaly rule (<see cref="SequentialTest"/>)
    /// is judged instead on the whole minutes of <paramref name="minutes"/> not weighed yet (those of
    /// the window that have settled, in time order).
    /// </summary>
    public GroupEvaluation Judge(AlertRule rule, LabelSet group, (double? Value, long Points) window, long nowMs, WindowAccumulator? sample = null, ReadOnlySpan<MinuteTally> minutes = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(group);
        if (!rule.UsesBaseline && rule.OfMinutes <= 1)
        {
            return RuleEvaluator.Judge(rule, group, window, null); // nothing to remember
        }

        var sequential = SequentialTest.IsSequential(rule);
        if (!_groups.TryGetValue(group, out var memory))
        {
            _groups[group] = memory = new GroupMemory(rule.UsesBaseline && !sequential ? new SeasonalBaseline(_options) : null, NoiseTracker.LagOf(rule))
            {
                Sequential = sequential ? new SequentialTest(rule) : null,
            };
        }

        if (memory.Sequential is { } test)
        {
            memory.LastJudgedMs = nowMs;
            foreach (var tally in minutes)
            {
                test.Add(tally);
            }

            var judged = test.Judge(rule, group, window);
            return rule.OfMinutes <= 1 ? judged : Confirm(rule, memory, judged, FloorDivision.Of(nowMs, MinuteMs));
        }

        // The value judged at an instant is the window's: it is placed in the hours of the
        // week at the window's middle, so a window judged at 10:01 counts for 9 o'clock.
        var atMs = nowMs - (long)(rule.Window.TotalMilliseconds / 2);
        BaselineEstimate? estimate = null;
        if (memory.Baseline is { } baseline)
        {
            if (atMs > memory.LastAskMs && atMs > (baseline.LastObservationMs ?? long.MinValue))
            {
                memory.LastEstimate = baseline.AsOf(atMs);
                memory.LastAskMs = atMs;
            }

            if (UsualOnly(rule))
            {
                // The usual value, not moved by the last day's level, so a route that
                // became slow today stays unusual until it has been slow for days.
                estimate = memory.LastEstimate;
            }
            else
            {
                estimate = memory.Level.Adjust(memory.LastEstimate, rule.Aggregation);
                if (!RuleEvaluator.CountsEvents(rule.Aggregation))
                {
                    estimate = memory.Noise.Narrow(estimate);
                }
            }
        }

        memory.LastJudgedMs = nowMs;
        var learningUsual = UsualOnly(rule) && (memory.FirstFedMs == long.MinValue || nowMs - memory.FirstFedMs < UsualLearningMs);
        var outcome = RuleEvaluator.Judge(rule, group, window, estimate, sample, learningUsual);
        var minute = FloorDivision.Of(nowMs, MinuteMs);
        if (memory.Baseline is { } fed && window.Value is { } value && RuleEvaluator.HasEnoughPoints(rule, window.Points)
            && minute >= memory.LastFedMinute + (UsualOnly(rule) ? UsualFeedMinutes : 1))
        {
            fed.Add(atMs, value);
            memory.LastFedMinute = minute;
            if (memory.FirstFedMs == long.MinValue)
            {
                memory.FirstFedMs = nowMs;
            }

            if (!UsualOnly(rule))
            {
                memory.Level.Observe(atMs, value, memory.LastEstimate);
                memory.Noise.Observe(atMs, minute, value, estimate);
            }
        }

        return rule.OfMinutes <= 1 ? outcome : Confirm(rule, memory, outcome, minute);
    }

    /// <summary>The last minute a sequential rule's group weighed (<see cref="SequentialTest.LastMinute"/>), or <see cref="long.MinValue"/>.</summary>
    public long LastWeighedMinute(LabelSet group) =>
        _groups.TryGetValue(group, out var memory) && memory.Sequential is { } test ? test.LastMinute : long.MinValue;

    /// <summary>Forgets the groups not judged since <paramref name="cutoffMs"/> (their series are gone).</summary>
    public void ForgetIdle(long cutoffMs)
    {
        foreach (var (group, memory) in _groups)
        {
            if (memory.LastJudgedMs < cutoffMs)
            {
                _groups.Remove(group);
            }
        }
    }

    /// <summary>Records the minute's outcome; answers met when enough of the last minutes met the condition, and recovered only when as many were clear.</summary>
    private static GroupEvaluation Confirm(AlertRule rule, GroupMemory memory, GroupEvaluation outcome, long minute)
    {
        if (outcome.State == ConditionState.NotEnoughData)
        {
            return outcome; // neither met nor not met: the minute keeps what it had
        }

        if (minute > memory.MetMinute)
        {
            var shift = minute - memory.MetMinute;
            memory.MetBits = shift >= 64 ? 0 : memory.MetBits << (int)shift;
            memory.MetMinute = minute;
        }

        memory.MetBits = outcome.State == ConditionState.Met ? memory.MetBits | 1UL : memory.MetBits & ~1UL;
        var mask = rule.OfMinutes >= 64 ? ulong.MaxValue : (1UL << rule.OfMinutes) - 1;
        var met = BitOperations.PopCount(memory.MetBits & mask);
        if (met >= rule.MetMinutes)
        {
            return outcome.State == ConditionState.Met ? outcome : outcome with { State = ConditionState.Met, Recovered = false };
        }

        // Met now, but not yet in enough minutes: not firing, and not a reason to resolve either.
        if (outcome.State == ConditionState.Met)
        {
            return outcome with { State = ConditionState.NotMet, Recovered = false };
        }

        // Resolving asks as much as firing: clear in metMinutes of the last ofMinutes, so an
        // incident whose value wavers around the threshold is one alert, not one per waver.
        var clear = BitOperations.PopCount(~memory.MetBits & mask);
        return clear >= rule.MetMinutes || !outcome.Recovered ? outcome : outcome with { Recovered = false };
    }

    private sealed class GroupMemory(SeasonalBaseline? baseline, int lag)
    {
        public SeasonalBaseline? Baseline { get; } = baseline;

        public NoiseTracker Noise { get; } = new(lag);

        public SequentialTest? Sequential { get; init; }

        public BaselineEstimate? LastEstimate { get; set; }

        public LevelTracker Level { get; } = new();

        public long LastAskMs { get; set; } = long.MinValue;

        public long LastFedMinute { get; set; } = long.MinValue;

        public long FirstFedMs { get; set; } = long.MinValue;

        public ulong MetBits { get; set; }

        public long MetMinute { get; set; } = long.MinValue;

        public long LastJudgedMs { get; set; }
    }

    /// <summary>
    /// How much the value moves from one window to the next, lately, relative to the baseline's
    /// center: a slot's spread mixes the weeks' levels and the hour's ramp with the window's own
    /// noise (a quiet service's 3-minute median: σ 14 % of the center across two weeks' Tuesdays at
    /// 2 o'clock, 4 % from one window to the next), so a 1.5× step stays inside a band that only
    /// the level of the moment moves. Each completed hour's robust scale of the differences
    /// between values one window apart (non-overlapping windows: a difference holds twice the
    /// variance of a value, hence ÷ √2), as a share of the center then; the median over the last
    /// <see cref="Hours"/> hours narrows the estimate's spreads, never widens them. Spikes are a
    /// few differences in an hour and do not move a median absolute deviation. Only for values
    /// whose spread the history alone measures (latencies, gauges): counts, rates and error rates
    /// have their band from counting chance, and narrowed by their differences the traffic rules
    /// fired 14 more times on dips of busy services in the detection corpus (3 weeks, 12 services).
    /// </summary>
    private sealed class NoiseTracker(int lag)
    {
        private const int Hours = 24;
        private const int MinHours = 6;
        private const int MinDifferences = 20;

        private readonly double[] _recent = new double[lag + 1]; // the last values by minute, a ring
        private readonly long[] _recentMinute = new long[lag + 1];
        private readonly List<double> _thisHour = [];
        private readonly Queue<double> _hours = new();
        private long _hour = long.MinValue;
        private double _scale = double.NaN;

        /// <summary>An estimate of the memory held, in bytes: the ring, an hour of differences, a day of scales.</summary>
        public long ApproximateBytes => 120 + (_recent.Length * 16) + (_thisHour.Capacity * 8) + (Hours * 8);

        /// <summary>The minutes between two values whose windows do not overlap.</summary>
        public static int LagOf(AlertRule rule) => Math.Clamp((int)Math.Ceiling(rule.WindowMinutes), 1, MaxOfMinutes);

        public void Observe(long atMs, long minute, double value, BaselineEstimate? estimate)
        {
            var hour = FloorDivision.Of(atMs, HourOfWeek.HourMs);
            if (hour != _hour)
            {
                if (_thisHour.Count >= MinDifferences)
                {
                    _thisHour.Sort();
                    _hours.Enqueue(RobustStatistics.Of(CollectionsMarshal.AsSpan(_thisHour)).Mad * RobustStatistics.MadToSigma / Math.Sqrt(2));
                    if (_hours.Count > Hours)
                    {
                        _hours.Dequeue();
                    }

                    _scale = _hours.Count < MinHours ? double.NaN : RobustStatistics.Median([.. _hours.Order()]);
                }

                _thisHour.Clear();
                _hour = hour;
            }

            var at = Ring(minute);
            var earlier = Ring(minute - lag);
            if (_recentMinute[earlier] == minute - lag && estimate is { Center: > 0 } known)
            {
                _thisHour.Add((value - _recent[earlier]) / known.Center);
            }

            _recent[at] = value;
            _recentMinute[at] = minute;
        }

        private int Ring(long minute) => (int)(((minute % _recent.Length) + _recent.Length) % _recent.Length);

        public BaselineEstimate? Narrow(BaselineEstimate? estimate)
        {
            if (estimate is null || double.IsNaN(_scale) || estimate.Spread <= 0)
            {
                return estimate;
            }

            var factor = _scale * Math.Abs(estimate.Center) / estimate.Spread;
            return factor >= 1 ? estimate : estimate with
            {
                Spread = estimate.Spread * factor,
                LowerSpread = estimate.LowerSpread * factor,
                UpperSpread = estimate.UpperSpread * factor,
            };
        }
    }

    /// <summary>
    /// How far the series runs above or below its seasonal baseline lately: the median, over
    /// the last <see cref="Hours"/> completed hours, of each hour's median ratio of value to
    /// baseline center. A slow drift (a service 15 % slower this week than last) moves the
    /// baseline with it; an incident of a few hours does not, being a minority of the hours.
    /// Error rates are not adjusted (ratios of near-zero rates mean nothing).
    /// </summary>
    private sealed class LevelTracker
    {
        private const int Hours = 24;
        private const int MinHours = 6;

        private readonly List<double> _thisHour = [];
        private readonly Queue<double> _hours = new();
        private long _hour = long.MinValue;
        private double _level = 1;

        public void Observe(long atMs, double value, BaselineEstimate? estimate)
        {
            var hour = FloorDivision.Of(atMs, HourOfWeek.HourMs);
            if (hour != _hour)
            {
                if (_thisHour.Count >= 10)
                {
                    _thisHour.Sort();
                    _hours.Enqueue(RobustStatistics.Median(CollectionsMarshal.AsSpan(_thisHour)));
                    if (_hours.Count > Hours)
                    {
                        _hours.Dequeue();
                    }

                    _level = _hours.Count < MinHours ? 1 : Math.Clamp(RobustStatistics.Median([.. _hours.Order()]), 0.5, 2);
                }

                _thisHour.Clear();
                _hour = hour;
            }

            if (estimate is { Center: > 0 } known && value >= 0)
            {
                _thisHour.Add(value / known.Center);
            }
        }

        public BaselineEstimate? Adjust(BaselineEstimate? estimate, Aggregation aggregation) =>
            estimate is null || aggregation == Aggregation.ErrorRatePercent || _level == 1
                ? estimate
                : estimate with
                {
                    Center = estimate.Center * _level,
                    Spread = estimate.Spread * _level,
                    LowerSpread = estimate.LowerSpread * _level,
                    UpperSpread = estimate.UpperSpread * _level,
                };

    }
}
