using System.Globalization;
using System.Runtime.CompilerServices;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>One whole minute of a group: its events (requests; a counter's increase), its points and how many of them were errors.</summary>
/// <param name="Minute">The minute, as whole minutes since 1970-01-01 UTC.</param>
/// <param name="Events">What a rate counts in the minute: points, or a counter's increase.</param>
/// <param name="Points">Points in the minute.</param>
/// <param name="Errors">Points marked as errors.</param>
/// <param name="Parts">The minute's timing points series by series, for a latency test; empty otherwise.</param>
public readonly record struct MinuteTally(long Minute, double Events, long Points, long Errors, ReadOnlyMemory<MinutePart> Parts = default);

/// <summary>
/// The sequential anomaly test of one group (<see cref="AnomalyMethod.Sequential"/>): each whole
/// minute's requests, server errors or durations weighed against what is usual for that minute, the evidence
/// summed from minute to minute until it shows a change beyond chance (Page's CUSUM of
/// log-likelihood ratios). A window judges a fixed stretch of minutes at once, so a quiet service
/// needs a long one and a busy one a short one; the sum needs no window: a stopped stream of 100
/// requests a minute is beyond chance in its second minute, a drop to a quarter at 5 a minute in
/// about ten (at medium), and the same test waits longer for a smaller or quieter change by itself.
/// </summary>
/// <remarks>
/// <para>
/// <b>What is usual.</b> Each hour's requests, errors and the minutes the group was weighed in it are
/// kept for the whole weeks of the rule's <c>baselineDays</c>, two at least, and a day more for
/// traffic (17.4 KB a group at 14 days). The usual rate of an hour is the median, over the like hours
/// before it, of their requests a minute: the same hour in each past week, and the same hour of those
/// of the six days before that are alike (<see cref="Alike"/>: their whole days' requests a week
/// earlier within 25 % of each other, so weekdays go with weekdays and weekend days with weekend
/// days, whichever days those are for the service); the median keeps an incident of one of those
/// hours out. Each like hour is first moved to the level of now (<see cref="LearnTrafficLevel"/>: how
/// much busier the last 24 hours ran than the same hours a week, or as many days as the like hour, before,
/// on days alike; at most a factor of 1.5, so a drift is followed and a drop or surge that lasts is
/// never all taken for the level), so a service that grew or shrank since is compared with its like
/// hours at today's level, not at theirs; a like hour whose level is not known is left out, unless
/// none is known (a day's first hours in the first judged week, a service too quiet to tell).
/// Hours are UTC hours. The rate at a minute is
/// interpolated between its hour's and the neighbouring hour's (hourly rates stand at the half
/// hour), except into a day that is not alike: Saturday's first minutes are not pulled toward
/// Friday night. Until the same hour of a past week was seen, the group is learning (not enough
/// data). The usual error rate pools the like hours' errors and requests (one error in 200 requests
/// added, so a clean hour is not a rate of 0).
/// </para>
/// <para>
/// <b>The usual median</b> (a p50 rule: latency) is learnt otherwise, as durations drift more than
/// traffic and a like day's median would carry its own week's drift. First, each request is moved by
/// its series' level (<see cref="SeriesLevels"/>: how much slower or faster its route, method and status
/// usually run than the group's others, learnt over about the last day), so a service's requests are
/// weighed as if every route took as long, each against its own route's usual duration: a mix of
/// fast and slow routes is no spread, and a minute of only the slow route is no slowdown. Each hour keeps the mean
/// logarithm of its minutes' medians and its requests' distances to the usual median, and a day more
/// of hours is kept (38 KB a group at 14 days). The usual median of an hour is,
/// for each past week, the same hour then moved by that week's level (how far the last 24 hours ran
/// above or below the same hours that week: the median of their differences, so a drift since is
/// followed and an incident of an hour or two is not), the median over the weeks (with two weeks,
/// as at 14 days, their mean: an incident in last week's hour moves it halfway); interpolated
/// between hours as a rate is. The requests' spread (σ of their logarithm) and their usual mean
/// distance from the usual median (not quite 0 where durations are skewed) are learnt over the last
/// 24 hours alike (<see cref="LearnRecent"/>). Until the level and the spread are known (six hours
/// each, then six for the usual distance: a week and eighteen hours in, on a service with 20 requests
/// an hour and 5 minutes with requests in most hours), the group is learning.
/// </para>
/// <para>
/// <b>The evidence.</b> A minute's requests are taken as negative binomial around the usual rate, with
/// the group's own relative spread beyond Poisson (the minute-to-minute noise, learnt over the last
/// 24 hours: <see cref="LearnRequestSpread"/>; <see cref="RelativeSpread"/> until it is known), and
/// weighed for a drop to <see cref="DropFactor"/> of it (rules compared from below) or a surge to
/// <see cref="SurgeFactor"/> times it (from above). The usual rate's own error, which every minute
/// of the hour shares, is not chance that minutes can add up. For a drop, what is still usual is
/// the usual rate less 1.25 over the square root of the like hours' requests (at most 30 %), so a
/// quiet night hour learnt from a few dozen requests needs a deeper or longer dip, and a busy
/// service's (thousands of requests) is judged as before. For a surge, it is the usual rate plus
/// that, or plus how far a like hour strays from their median where that is more (a σ from their
/// median absolute distance to it; at most 30 %): a Sunday night as much busier than usual as
/// Sunday nights differ from each other is no surge. (The stray for drops let a drop that lasted be
/// taken for usual within two hours: the drop moves the like hours' levels apart.) With the spread,
/// a steady 55 % of the usual rate is evidence of a drop too, only slower. A drop is not looked for
/// in an hour that usually has no traffic (a minute there weighs −1 with requests and 0 without); a
/// surge is weighed against one request a minute at least, so a trickle at night is no
/// surge and a flood is. A minute's errors are binomial among its requests,
/// weighed for the usual rate plus each of <see cref="ErrorSteps"/> (or three times it, if more), one
/// sum per step, so a quiet service's 8 % is not waited for as long as its 3 %; a minute adds at most
/// half of what fires, so a one-minute burst of errors cannot fire alone. A minute's durations are
/// weighed by their mean distance from the usual median in spreads, each clipped at <see cref="Clip"/>
/// (a Huber-like mean: the size of a change counts, not only its sign, and one very slow request no
/// more than a slow one), for a shift of <see cref="SoughtShift"/> (<see cref="WeighLatency"/>): at 10
/// requests a minute and a spread of 0.4, a median 1.5 times the usual fires in four or five minutes.
/// </para>
/// <para>
/// <b>Firing.</b> A minute adds at most half of what fires, so a one-minute dip, burst or counter reset
/// never fires alone; a minute of durations at most a third, so a latency spike of two minutes back to
/// back (every request of each minute several times slower) does not page either, where a step that
/// lasts fires in its third minute at the soonest. The condition holds while the sum is at least the
/// rule's sensitivity's <see cref="FiresAt"/> (low 18, medium 14, high 10: under the model, medium
/// fires by chance about once in 10⁶ minutes) and clears when it is below half of that. The sum is kept
/// between 0 and twice the level, so a change that lasted hours clears within minutes of its end. An
/// error test's smaller steps end with the largest that fired: once that sum is under half the level,
/// each sum is cleared once the minutes since (ten at least) weigh against its own change, as a quiet
/// service's usual minutes bring the smaller step's sum down far more slowly than the larger one's
/// (after 8 % errors at a dozen requests a minute, hours); a sum its minutes still feed (errors still 2
/// points up) holds, so a steady 3 % is one alert. A minute that cannot be weighed (no usual value for
/// its hour), or minutes not weighed at all before this one (Vigil not running), clear it. A minute's
/// negative count (a counter that went back) is a minute of no requests. Live, a minute is weighed <see
/// cref="SettleMs"/> after it ends, when its late points are in, and minutes no pass weighed (passes
/// further apart than the window) are caught up; a backtest weighs it when it ends, with every point.
/// </para>
/// </remarks>
public sealed class SequentialTest
{
    /// <summary>The drop a rule compared from below looks for: to this share of the usual rate.</summary>
    public const double DropFactor = 0.4;

    /// <summary>The surge a rule compared from above looks for: to this many times the usual rate.</summary>
    public const double SurgeFactor = 2.0;

    /// <summary>How far a minute's requests stray beyond Poisson, relative to the usual rate (a standard deviation).</summary>
    public const double RelativeSpread = 0.25;

    /// <summary>How long after a minute ends the live engine weighs it, so points sent late are in.</summary>
    public const long SettleMs = 10_000;

    /// <summary>The error rates an error test looks for, added to the usual rate (fractions: 2 and 7 points).</summary>
    public static readonly IReadOnlyList<double> ErrorSteps = [0.02, 0.07];

    /// <summary>The shift of the median a latency test looks for, in spreads (σ of the durations' logarithm): 0.67 puts three requests in four above the usual median.</summary>
    public const double SoughtShift = 0.67;

    /// <summary>Where a request's distance from the usual median is clipped, in spreads, so one very slow request weighs no more than a slow one.</summary>
    public const double Clip = 2;

    /// <summary>How far a minute's mean clipped distance strays beyond the requests' own chance (a standard deviation, in spreads): minute-to-minute noise.</summary>
    public const double MeanSpread = 0.17;

    private const double ClippedVariance = 0.9; // of a clipped distance, for log-normal durations

    private const double Shape = 1 / (RelativeSpread * RelativeSpread);
    private const double MinRelativeSpread = 0.1; // never taken for steadier than this: a tenth beyond Poisson
    private const double MaxRelativeSpread = 0.5;
    private const int MinSpreadHours = 6;
    private const double MinSpreadRate = 5; // requests a minute: below, what strays beyond Poisson hardly shows
    private const int SpreadBlockMinutes = 5;
    private const int MinSpreadBlocks = 6;
    private const double QuietRate = 0.05;
    private const double MinSurgeBase = 1;
    private const int MinObservedMinutes = 30;
    private const long MinuteMs = 60_000;
    private const int WeekHours = 168;
    private const double AlikeRatio = 1.25;
    private const int MinMedianMinutes = 5;

    /// <summary>A latency test measures how far its moved medians run from those as sent (only to show its threshold in durations as sent) on one in this many minutes with requests.</summary>
    private const int SentGapEvery = 5;
    private const int LevelHours = 24;
    private const int MinLevelHours = 6;
    private const int MinHourRequests = 20;
    private const int MinLevelRequests = 100;
    private const double MaxUsualError = 0.3;
    private const int EndMinutes = 10;
    private static readonly double MaxTrafficLevel = Math.Log(1.5); // a drift, not an incident: a drop to 40 % that lasts is never all usual
    private const double MadToSigma = 1.2533; // a normal's σ over its mean absolute deviation, √(π/2)
    private const double MaxDistance = 3; // e³: 20 times, or a twentieth of, the usual median
    private const double MinSpread = 0.05; // a service whose every request takes as long (one bin: 2 % wide) has no spread to divide by

    private static readonly double LogGamma = Math.Log(SketchMapping.Gamma);
    private static readonly double LogBinCentre = Math.Log(2 / (SketchMapping.Gamma + 1));
    private static readonly double LogMinIndexable = Math.Log(SketchMapping.MinIndexableValue);

    private readonly Kind _kind;
    private readonly double _firesAt;
    private readonly int _weeks;
    private readonly HourTotals[] _hours;
    private readonly LatencyTotals[]? _latencies;
    private readonly SeriesLevels? _seriesLevels;
    private readonly double[] _sums;
    private readonly double[] _sinceEnd; // an error test's evidence per step since the largest change that fired cleared
    private readonly double[] _levels;
    private readonly double[] _trafficLevels; // per like hour's distance: weeks, then one to six days; -∞ until learnt this hour
    private double _usual = double.NaN;
    private double _shape = Shape; // of the requests' negative binomial: 1 / the relative spread², learnt hourly (LearnRequestSpread)
    private double _blockEvents; // the requests of the five-minute block so far, and its minutes
    private int _blockMinutes;
    private double _spread = double.NaN;
    private double _usualShift = double.NaN;
    private double _sentGap; // how far the medians of the durations as sent run from those moved by their series' levels (a latency test), for the threshold shown
    private double _usualRequests;
    private double _usualStray; // how far a like hour of the traffic test's hour strays from their median, relative to it (a σ)
    private double _logUsual = double.NaN;
    private long _levelHour = long.MinValue;
    private long _trafficLevelHour = long.MinValue;
    private long _today = long.MinValue;
    private long _likeDay = long.MinValue;
    private int _likeMask;
    private int _firedBy = -1; // the largest error step whose sum fired, until every sum has cleared
    private int _minutesSinceEnd; // minutes since that step's sum cleared

    /// <summary>A test with no history for <paramref name="rule"/>, which must be <see cref="IsSequential"/>.</summary>
    public SequentialTest(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!IsSequential(rule))
        {
            throw new ArgumentException("The rule is not a sequential anomaly rule.", nameof(rule));
        }

        _kind = rule.Aggregation switch
        {
            Aggregation.ErrorRatePercent => Kind.Errors,
            Aggregation.P50 => Kind.Latency,
            _ => rule.Comparison is Comparison.LessThan or Comparison.LessOrEqual ? Kind.Drop : Kind.Surge,
        };
        _firesAt = FiresAt(rule.Sensitivity);
        _weeks = Math.Max(1, rule.BaselineDays / 7);
        _hours = new HourTotals[((int)History(rule).TotalHours) + 3];
        _latencies = _kind == Kind.Latency ? new LatencyTotals[_hours.Length] : null;
        _seriesLevels = _kind == Kind.Latency ? new SeriesLevels() : null;
        _levels = new double[_kind == Kind.Latency ? _weeks : 0];
        _trafficLevels = new double[_kind is Kind.Drop or Kind.Surge ? _weeks + 6 : 0];
        _sums = new double[_kind == Kind.Errors ? ErrorSteps.Count : 1];
        _sinceEnd = new double[_sums.Length];
    }

    /// <summary>The last minute weighed (whole minutes since 1970), or <see cref="long.MinValue"/> before the first.</summary>
    public long LastMinute { get; private set; } = long.MinValue;

    /// <summary>The evidence so far: the largest sum.</summary>
    public double Evidence => _sums.Max();

    /// <summary>An estimate of the memory held, in bytes.</summary>
    public long ApproximateBytes => 176 + (_hours.Length * Unsafe.SizeOf<HourTotals>()) + ((_latencies?.Length ?? 0) * Unsafe.SizeOf<LatencyTotals>()) + ((_sums.Length + _sinceEnd.Length + _levels.Length + _trafficLevels.Length) * 8) + (_seriesLevels?.ApproximateBytes ?? 0);

    /// <summary>Whether <paramref name="rule"/> is judged by this test: an anomaly threshold with <see cref="AnomalyMethod.Sequential"/>.</summary>
    public static bool IsSequential(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.ThresholdType == ThresholdType.Anomaly && rule.AnomalyMethod == AnomalyMethod.Sequential;
    }

    /// <summary>
    /// How far back the test's hours reach: the whole weeks of <c>baselineDays</c>, and two weeks at
    /// least (a day is compared with the same day a week before); a day more for a traffic or p50
    /// rule, whose oldest week's level compares the last day with the day before that week.
    /// </summary>
    public static TimeSpan History(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return TimeSpan.FromDays((7 * Math.Max(2, rule.BaselineDays / 7)) + (rule.Aggregation == Aggregation.ErrorRatePercent ? 0 : 1));
    }

    /// <summary>Whether the sequential test applies to <paramref name="aggregation"/>: counts and rates (requests), error_rate_percent and p50 (latency).</summary>
    public static bool Applies(Aggregation aggregation) =>
        aggregation is Aggregation.Count or Aggregation.RatePerMinute or Aggregation.RatePerSecond or Aggregation.ErrorRatePercent or Aggregation.P50;

    /// <summary>The evidence a sensitivity fires at.</summary>
    public static double FiresAt(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => 18,
        AnomalySensitivity.High => 10,
        _ => 14,
    };

    /// <summary>
    /// Weighs <paramref name="tally"/> (a minute after the last one weighed; an earlier one is
    /// ignored) against the usual values as of its hour, then keeps it for the hours to come.
    /// </summary>
    public void Add(MinuteTally tally)
    {
        if (tally.Minute <= LastMinute)
        {
            return;
        }

        if (LastMinute != long.MinValue && tally.Minute > LastMinute + 1)
        {
            StartAgain(); // minutes not weighed (Vigil not running, a warm-up's end before the first live pass)
            _blockMinutes = 0;
        }

        LastMinute = tally.Minute;
        var hourOf = HourOf(tally.Minute);
        _today = DayOf(hourOf);
        var events = Math.Max(0, tally.Events); // a counter reset or a negative increase is no request
        if (hourOf != _trafficLevelHour)
        {
            _trafficLevels.AsSpan().Fill(double.NegativeInfinity);
            _trafficLevelHour = hourOf;
            _shape = _kind is Kind.Drop or Kind.Surge ? LearnRequestSpread(hourOf) : Shape;
        }

        _usual = _kind switch
        {
            Kind.Errors => UsualErrorRate(hourOf),
            Kind.Latency => UsualMedian(tally.Minute) is { } median && !double.IsNaN(_spread) && !double.IsNaN(_usualShift) ? median : null,
            _ => Interpolated(tally.Minute) is { } rate && HourRate(hourOf, out _usualRequests, out _usualStray) is not null ? rate : null,
        } ?? double.NaN;
        var moved = _seriesLevels is null ? default : _seriesLevels.Move(tally, hourOf);
        if (double.IsNaN(_usual))
        {
            StartAgain(); // evidence from before a stretch that cannot be weighed says nothing after it
        }
        else if (_kind == Kind.Errors)
        {
            WeighErrors(tally, _usual);
        }
        else if (_kind == Kind.Latency)
        {
            WeighLatency(moved.Values);
        }
        else
        {
            WeighRequests(events, _usual);
        }

        ref var hour = ref Write(hourOf);
        hour.Minutes++;
        if (_kind is Kind.Drop or Kind.Surge)
        {
            // Five minutes' requests at a time, from the hour's start: their spread holds swings that last a few minutes.
            _blockEvents = tally.Minute % SpreadBlockMinutes == 0 ? events : _blockEvents + events;
            _blockMinutes = tally.Minute % SpreadBlockMinutes == 0 ? 1 : _blockMinutes + 1;
            if (_blockMinutes == SpreadBlockMinutes)
            {
                hour.Blocks++;
                hour.BlockSquares += _blockEvents * _blockEvents;
            }
        }
        hour.Events += events;
        hour.Points += tally.Points;
        hour.Errors += tally.Errors;
        if (_latencies is not null && !moved.Values.IsEmpty)
        {
            Keep(ref _latencies[Index(hourOf)], moved, tally.Minute);
        }
    }

    /// <summary>
    /// The condition as of the last minute weighed, for a group whose window (the rule's window over
    /// its whole minutes, as the evaluator reduces it) is <paramref name="window"/>: the value shown is
    /// the window's, the threshold the usual rate (or error rate, in percent) at the last minute, in
    /// the rule's unit: what the value is compared with.
    /// </summary>
    public GroupEvaluation Judge(AlertRule rule, LabelSet group, (double? Value, long Points) window)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var (value, points) = window;
        if (double.IsNaN(_usual))
        {
            return new GroupEvaluation(group, ConditionState.NotEnoughData, value, null, points, Recovered: false)
            {
                Reason = _kind == Kind.Latency
                    ? "learning: the same hour of a past week, the last day's level against it, or the requests' spread around it are not known yet"
                    : "learning: the same hour of a past week is not in the history yet",
            };
        }

        var evidence = Evidence;
        var met = evidence >= _firesAt;
        var recovered = evidence < _firesAt / 2;
        double threshold;
        string reason;
        var minutes = rule.WindowMinutes.ToString(CultureInfo.InvariantCulture);
        if (_kind == Kind.Errors)
        {
            threshold = 100 * _usual;
            reason = string.Create(CultureInfo.InvariantCulture, $"evidence {evidence:0.#} (fires at {_firesAt:0.#}, clears under {_firesAt / 2:0.#}): an error rate of {value ?? 0:0.##} % over the last {minutes} minutes, usually {threshold:0.##} % at this hour");
        }
        else if (_kind == Kind.Latency)
        {
            threshold = _usual * Math.Exp(_sentGap); // in the durations as sent, as the value shown is
            reason = string.Create(CultureInfo.InvariantCulture, $"evidence {evidence:0.#} (fires at {_firesAt:0.#}, clears under {_firesAt / 2:0.#}): a median of {(value is { } median ? median.ToString("0.##", CultureInfo.InvariantCulture) : "none (no requests)")} over the last {minutes} minutes, usually {threshold:0.##} at this time");
        }
        else
        {
            var perUnit = rule.Aggregation switch
            {
                Aggregation.RatePerSecond => 1.0 / 60,
                Aggregation.Count => rule.WindowMinutes,
                _ => 1.0,
            };
            threshold = _usual * perUnit;
            reason = string.Create(CultureInfo.InvariantCulture, $"evidence {evidence:0.#} (fires at {_firesAt:0.#}, clears under {_firesAt / 2:0.#}): {value ?? 0:0.##} {rule.Aggregation.ToWire()} over the last {minutes} minutes, usually {threshold:0.##} at this time");
        }

        var shown = _kind == Kind.Latency ? value : value ?? 0; // no requests: a rate of 0, no median
        return new GroupEvaluation(group, met ? ConditionState.Met : ConditionState.NotMet, shown is { } finite ? FiniteValues.Finite(finite) : null, FiniteValues.Finite(threshold), points, Recovered: !met && recovered)
        {
            Reason = reason,
        };
    }

    /// <summary>The evidence starts again: every sum at 0, no error step fired (what follows the step's end is cleared at the next minute weighed).</summary>
    private void StartAgain()
    {
        Array.Clear(_sums);
        _firedBy = -1;
    }

    /// <summary>The usual requests a minute at <paramref name="minute"/>: its hour's, interpolated toward the neighbouring hour's on a day alike it.</summary>
    internal double? UsualRate(long minute) => Interpolated(minute);

    /// <summary>
    /// The usual median at <paramref name="minute"/> (a latency test): the same hour of each past
    /// week, moved by how far the last day ran above or below that week (<see cref="LearnRecent"/>),
    /// the median over the weeks; interpolated between hours as a rate is.
    /// </summary>
    private double? UsualMedian(long minute)
    {
        var hour = HourOf(minute);
        LearnRecent(hour);
        _usualRequests = 0;
        for (var w = 1; w <= _weeks; w++)
        {
            _usualRequests += WeekBefore(hour, w) is not null ? Read(hour - (w * WeekHours))!.Value.Points : 0;
        }

        _logUsual = Interpolated(minute) ?? double.NaN;
        return double.IsNaN(_logUsual) ? null : Math.Exp(_logUsual);
    }

    /// <summary>An hour's usual value (<see cref="HourUsual"/>) at <paramref name="minute"/>, interpolated toward the neighbouring hour's on a day alike it.</summary>
    private double? Interpolated(long minute)
    {
        var hour = HourOf(minute);
        if (HourUsual(hour) is not { } own)
        {
            return null;
        }

        var position = ((minute - (hour * 60)) + 0.5) / 60 - 0.5; // the hour's value stands at its middle
        var neighbour = position < 0 ? hour - 1 : hour + 1;
        if ((DayOf(neighbour) != DayOf(hour) && !Alike(DayOf(neighbour), DayOf(hour))) || HourUsual(neighbour) is not { } other)
        {
            return own;
        }

        return own + ((other - own) * Math.Abs(position));
    }

    /// <summary>The usual value of an hour: requests a minute (<see cref="HourRate(long)"/>), or the logarithm of the median (<see cref="HourMedian"/>).</summary>
    private double? HourUsual(long hour) => _kind == Kind.Latency ? HourMedian(hour) : HourRate(hour);

    /// <summary>The usual requests a minute of an hour: the median over its like hours, each at the level of now (<see cref="TrafficLevel"/>), or null while no past week has it.</summary>
    private double? HourRate(long hour) => HourRate(hour, out _, out _);

    /// <summary>
    /// An hour's usual requests a minute (<see cref="HourRate(long)"/>), the requests of the like hours
    /// it was learnt from, and how far a like hour strays from it, relative to it (their median absolute
    /// distance to the median, as a normal's σ; 0 with one like hour): a day busier or quieter than
    /// usual by that much is still usual.
    /// </summary>
    private double? HourRate(long hour, out double requests, out double stray)
    {
        Span<double> values = stackalloc double[_weeks + 6];
        Span<double> levelled = stackalloc double[_weeks + 6];
        int count = 0, known = 0, weeks = 0;
        double all = 0, levelledRequests = 0;
        foreach (var like in LikeHours(hour, stackalloc long[_weeks + 6]))
        {
            if (Read(like) is { Minutes: >= MinObservedMinutes } totals)
            {
                values[count++] = totals.Events / totals.Minutes;
                all += totals.Events;
                weeks += (hour - like) % WeekHours == 0 ? 1 : 0;
                if (TrafficLevel(hour - like) is { } level)
                {
                    levelled[known++] = values[count - 1] * level; // that hour at the level of now
                    levelledRequests += totals.Events;
                }
            }
        }

        requests = known > 0 ? levelledRequests : all;
        stray = 0;
        if (weeks == 0)
        {
            return null;
        }

        var held = known > 0 ? levelled[..known] : values[..count]; // an hour whose level is unknown is left out, unless every one's is
        held.Sort();
        // The median absolute distance, as a normal's σ: one incident among the like hours moves it little.
        var (median, mad, _, _) = RobustStatistics.Of(held);
        stray = median > 0 ? RobustStatistics.MadToSigma * mad / median : 0;
        return median;
    }

    /// <summary>
    /// The logarithm of an hour's usual median (a latency test): over the past weeks whose level is
    /// known, the same hour's mean logarithm of its minutes' medians plus the week's level; the median
    /// over the weeks, or null while none has both.
    /// </summary>
    private double? HourMedian(long hour)
    {
        Span<double> values = stackalloc double[_weeks];
        var count = 0;
        for (var w = 1; w <= _weeks; w++)
        {
            if (WeekBefore(hour, w) is { } before)
            {
                values[count++] = before + _levels[w - 1];
            }
        }

        return count == 0 ? null : MedianOf(values[..count]);
    }

    /// <summary>The same hour <paramref name="weeks"/> weeks before <paramref name="hour"/> (its mean logarithm of minute medians), when that week's level is known: a week the usual median counts.</summary>
    private double? WeekBefore(long hour, int weeks) =>
        double.IsNaN(_levels[weeks - 1]) ? null : HourLogMedian(hour - (weeks * WeekHours));

    /// <summary>A held hour's mean logarithm of its minutes' medians, or null without 30 minutes weighed and 5 with requests.</summary>
    private double? HourLogMedian(long hour) =>
        Read(hour) is { Minutes: >= MinObservedMinutes } && _latencies![Index(hour)] is { Minutes: >= MinMedianMinutes } latency
            ? latency.LogMedians / latency.Minutes
            : null;

    /// <summary>
    /// Learns from the last <see cref="LevelHours"/> hours before <paramref name="hour"/> (a latency
    /// test): per past week, its level, the median of how far each hour ran above or below the same
    /// hour that many weeks before (their mean logarithms of minute medians; unknown, NaN, with fewer
    /// than <see cref="MinLevelHours"/> such pairs; at most a factor of two either way); the
    /// requests' spread (σ of their logarithm, from their mean absolute distance to the usual median:
    /// the median over the hours); and their usual mean clipped distance, which is not quite 0 where
    /// durations are skewed. A service 10 % slower this week than last is compared with last week's
    /// hour 10 % slower; an incident of an hour or two is a minority of the day's hours and moves
    /// none of them. Each week has its own level, so the weeks agree whatever drift lies between them.
    /// </summary>
    private void LearnRecent(long hour)
    {
        if (hour == _levelHour)
        {
            return;
        }

        _levelHour = hour;
        Span<double> values = stackalloc double[LevelHours];
        for (var w = 1; w <= _weeks; w++)
        {
            var count = 0;
            for (var h = hour - LevelHours; h < hour; h++)
            {
                if (HourLogMedian(h) is { } now && HourLogMedian(h - (w * WeekHours)) is { } before)
                {
                    values[count++] = now - before;
                }
            }

            _levels[w - 1] = count < MinLevelHours ? double.NaN : Math.Clamp(MedianOf(values[..count]), -Math.Log(2), Math.Log(2));
        }

        _spread = Math.Max(MinSpread, RecentMedian(values, hour, static l => l.Deviations >= MinHourRequests ? MadToSigma * l.AbsDeviations / l.Deviations : double.NaN));
        _usualShift = RecentMedian(values, hour, static l => l.Shifted >= MinHourRequests ? l.Shifts / l.Shifted : double.NaN);
        _sentGap = RecentMedian(values, hour, static l => l.Minutes >= MinMedianMinutes && l.SentMinutes > 0 ? l.SentGaps / l.SentMinutes : double.NaN) is var gap && double.IsNaN(gap) ? 0 : gap;
    }

    /// <summary>
    /// How much busier (or quieter, under 1) the group is now than <paramref name="distance"/> hours
    /// before (a like hour's distance: whole weeks, or one to six days), as learnt in the hour being
    /// weighed (<see cref="LearnTrafficLevel"/>); null while that is not known.
    /// </summary>
    private double? TrafficLevel(long distance)
    {
        if (_trafficLevels.Length == 0)
        {
            return null; // not a traffic test (an error test's usual rate, asked for by a test)
        }

        var index = distance % WeekHours == 0 ? (int)(distance / WeekHours) - 1 : _weeks + (int)(distance / 24) - 1;
        if (double.IsNegativeInfinity(_trafficLevels[index]))
        {
            _trafficLevels[index] = LearnTrafficLevel(distance);
        }

        return double.IsNaN(_trafficLevels[index]) ? null : Math.Exp(_trafficLevels[index]);
    }

    /// <summary>
    /// The shape of the requests' negative binomial for the hour starting <paramref name="hour"/>: one
    /// over the square of how far a minute's requests stray beyond Poisson, relative to the rate,
    /// learnt from the minutes of the last 24 hours: in each hour, the variance of its five-minute
    /// blocks' requests around five times the hour's mean rate, over five (swings that last a few
    /// minutes count, as they add up in the sums as a change does; independent minutes give their own
    /// variance; the daily cycle within an hour adds little), less the Poisson part (the mean), over
    /// the mean squared; the median over the hours with 5 requests a
    /// minute or more, so an incident's hours do not count; between <see cref="MinRelativeSpread"/>
    /// and <see cref="MaxRelativeSpread"/>; and <see cref="RelativeSpread"/> until six such hours
    /// were seen. A service whose traffic is steady is judged faster, and a bursty one slower and no
    /// more often by chance.
    /// </summary>
    private double LearnRequestSpread(long hour)
    {
        Span<double> spreads = stackalloc double[LevelHours];
        var count = 0;
        for (var h = hour - LevelHours; h < hour; h++)
        {
            if (Read(h) is { Blocks: >= MinSpreadBlocks } totals && totals.Events / totals.Minutes >= MinSpreadRate)
            {
                // A block's variance around five times the hour's mean rate, a minute's share of it.
                var (mean, block) = (totals.Events / totals.Minutes, SpreadBlockMinutes * totals.Events / totals.Minutes);
                var variance = ((totals.BlockSquares / totals.Blocks) - (block * block)) * totals.Blocks / (totals.Blocks - 1) / SpreadBlockMinutes;
                spreads[count++] = (variance - mean) / (mean * mean);
            }
        }

        if (count < MinSpreadHours)
        {
            return Shape;
        }

        spreads = spreads[..count];
        spreads.Sort();
        var spread = Math.Clamp(Math.Sqrt(Math.Max(0, RobustStatistics.Median(spreads))), MinRelativeSpread, MaxRelativeSpread);
        return 1 / (spread * spread);
    }

    /// <summary>
    /// The logarithm of how much busier the group ran over the last <see cref="LevelHours"/> hours than
    /// <paramref name="distance"/> hours before each, from the hours with 20 requests or more both then
    /// and now, on days alike (always, a whole number of weeks apart; for a recent day, today's hours,
    /// and yesterday's where yesterday is alike the day as far before it): the middle half of their
    /// ratios (an hour or two of an incident, or a surge at the peak, is at an end and left out), their
    /// rates summed on each side; at most a factor of 1.5 either way (<see cref="MaxTrafficLevel"/>),
    /// or NaN (the hour is taken as it was) with fewer than <see cref="MinLevelRequests"/> requests
    /// kept on a side. An hour without requests (a stopped stream) says nothing of the level.
    /// </summary>
    private double LearnTrafficLevel(long distance)
    {
        var hour = _trafficLevelHour;
        var days = distance % WeekHours == 0 ? 0 : (int)(distance / 24);
        var alike = days == 0 ? 0 : (LikeDays(DayOf(hour)) & (1 << days)) != 0 ? 1 : 0;
        alike |= days == 0 ? 0 : (LikeDays(DayOf(hour) - 1) & (1 << days)) != 0 ? 2 : 0;
        Span<double> ratios = stackalloc double[LevelHours];
        Span<int> order = stackalloc int[LevelHours];
        Span<HourTotals> recent = stackalloc HourTotals[LevelHours];
        Span<HourTotals> before = stackalloc HourTotals[LevelHours];
        var count = 0;
        for (var h = hour - LevelHours; h < hour; h++)
        {
            if ((days == 0 || (alike & (DayOf(h) == DayOf(hour) ? 1 : 2)) != 0)
                && Read(h) is { Minutes: >= MinObservedMinutes, Events: >= MinHourRequests } now
                && Read(h - distance) is { Minutes: >= MinObservedMinutes, Events: >= MinHourRequests } then)
            {
                (recent[count], before[count], order[count]) = (now, then, count);
                ratios[count] = now.Events / now.Minutes / (then.Events / then.Minutes);
                count++;
            }
        }

        ratios[..count].Sort(order[..count]);
        var trim = count / 4;
        double nowRate = 0, thenRate = 0, nowRequests = 0, thenRequests = 0;
        foreach (var i in order[trim..(count - trim)])
        {
            nowRate += recent[i].Events / recent[i].Minutes;
            thenRate += before[i].Events / before[i].Minutes;
            nowRequests += recent[i].Events;
            thenRequests += before[i].Events;
        }

        return Math.Min(nowRequests, thenRequests) < MinLevelRequests
            ? double.NaN
            : Math.Clamp(Math.Log(nowRate / thenRate), -MaxTrafficLevel, MaxTrafficLevel);
    }

    /// <summary>The median over the last <see cref="LevelHours"/> held hours of what <paramref name="of"/> says of each (NaN: nothing), or NaN with fewer than <see cref="MinLevelHours"/>.</summary>
    private double RecentMedian(Span<double> values, long hour, Func<LatencyTotals, double> of)
    {
        var count = 0;
        for (var h = hour - LevelHours; h < hour; h++)
        {
            if (Read(h) is not null && of(_latencies![Index(h)]) is var value && !double.IsNaN(value))
            {
                values[count++] = value;
            }
        }

        return count < MinLevelHours ? double.NaN : MedianOf(values[..count]);
    }

    private static double MedianOf(Span<double> values)
    {
        values.Sort();
        return RobustStatistics.Median(values);
    }

    /// <summary>
    /// Keeps a minute's requests in its hour: the logarithm of their median, and, once a usual median
    /// is known, their absolute distance to it, and, once the spread is too, their clipped distances.
    /// </summary>
    private void Keep(ref LatencyTotals hour, SeriesLevels.MovedMinute moved, long minute)
    {
        var logMedian = moved.LogMedian();
        hour.LogMedians += logMedian;
        if ((uint)(((ulong)minute * 0x9E3779B97F4A7C15UL) >> 32) < uint.MaxValue / SentGapEvery)
        {
            // A minute in five, by a hash of it (Fibonacci hashing), so work on a five-minute or hourly schedule is neither always nor never in the sample.
            hour.SentGaps += moved.LogMedian(asSent: true) - logMedian;
            hour.SentMinutes++;
        }

        hour.Minutes++;
        if (double.IsNaN(_logUsual))
        {
            return;
        }

        foreach (var (log, count) in moved.Values)
        {
            var distance = log - _logUsual;
            hour.AbsDeviations += count * Math.Min(MaxDistance, Math.Abs(distance)); // a duration of 0 (under the unit, sent as 0) is no spread of 14 logarithms
            hour.Deviations += count;
            if (!double.IsNaN(_spread))
            {
                hour.Shifts += count * Math.Clamp(distance / _spread, -Clip, Clip);
                hour.Shifted += count;
            }
        }
    }

    /// <summary>The usual error rate of an hour: the like hours' errors over their requests, pooled; null while no past week has it.</summary>
    private double? UsualErrorRate(long hour)
    {
        double points = 0, errors = 0;
        var weeks = 0;
        foreach (var like in LikeHours(hour, stackalloc long[_weeks + 6]))
        {
            if (Read(like) is { Minutes: >= MinObservedMinutes } totals)
            {
                points += totals.Points;
                errors += totals.Errors;
                weeks += (hour - like) % WeekHours == 0 ? 1 : 0;
            }
        }

        return weeks == 0 ? null : Math.Max(0.001, (errors + 1) / (points + 200));
    }

    /// <summary>The same hour in each past week of the history, and on those of the six days before that are alike (<see cref="Alike"/>).</summary>
    private Span<long> LikeHours(long hour, Span<long> into)
    {
        var count = 0;
        for (var w = 1; w <= _weeks; w++)
        {
            into[count++] = hour - (w * WeekHours);
        }

        var mask = LikeDays(DayOf(hour));
        for (var d = 1; d <= 6; d++)
        {
            if ((mask & (1 << d)) != 0)
            {
                into[count++] = hour - (d * 24);
            }
        }

        return into[..count];
    }

    /// <summary>Which of the six days before <paramref name="day"/> are alike it (bit d for d days before); the day being weighed's is kept for the day.</summary>
    private int LikeDays(long day)
    {
        if (day == _likeDay)
        {
            return _likeMask;
        }

        var mask = 0;
        for (var d = 1; d <= 6; d++)
        {
            mask |= Alike(day - d, day) ? 1 << d : 0;
        }

        if (day == _today)
        {
            (_likeDay, _likeMask) = (day, mask); // every day it compares has ended: the answer holds all day
        }

        return mask;
    }

    /// <summary>
    /// Whether <paramref name="day"/> is of the kind of <paramref name="reference"/> (weekdays,
    /// weekend days): their requests a minute over the whole day a week before each are within
    /// <see cref="AlikeRatio"/> of each other (what those days of the week do, not moved by this
    /// week's level), or, while the history holds no week before <paramref name="day"/>, the day
    /// itself and the reference's week before are. Learnt, not assumed: a weekend on Friday and
    /// Saturday, or in another time zone's days, or none at all (a service as busy every day) is
    /// what the history shows.
    /// </summary>
    private bool Alike(long day, long reference)
    {
        var before = DayRate(reference - 7);
        var other = DayRate(day - 7) ?? DayRate(day);
        return before is { } a && other is { } b && Math.Max(a, b) <= AlikeRatio * Math.Min(a, b);
    }

    /// <summary>The requests a minute of a whole past day, or null without 20 hours of it (each with 30 judged minutes) in the history.</summary>
    private double? DayRate(long day)
    {
        if (day >= _today)
        {
            return null;
        }

        double events = 0;
        var minutes = 0;
        var hours = 0;
        for (var hour = day * 24; hour < (day + 1) * 24; hour++)
        {
            if (Read(hour) is { Minutes: >= MinObservedMinutes } totals)
            {
                events += totals.Events;
                minutes += totals.Minutes;
                hours++;
            }
        }

        return hours >= 20 && events > 0 ? events / minutes : null;
    }

    private void WeighRequests(double events, double usual)
    {
        double llr;
        if (_kind == Kind.Drop && usual <= QuietRate)
        {
            llr = events > 0 ? -1 : 0;
        }
        else
        {
            usual = _kind == Kind.Surge ? Math.Max(usual, MinSurgeBase) : usual;
            var sought = usual * (_kind == Kind.Drop ? DropFactor : SurgeFactor);
            // What is still usual: the usual rate less its own error (a drop), or more how far a like
            // hour strays from it (a surge: a day that much busier is no surge).
            var error = 1.25 / Math.Sqrt(Math.Max(1, _usualRequests));
            usual *= _kind == Kind.Drop ? 1 - Math.Min(MaxUsualError, error) : 1 + Math.Min(MaxUsualError, Math.Max(error, _usualStray));

            llr = (events * Math.Log(sought * (_shape + usual) / (usual * (_shape + sought)))) + (_shape * Math.Log((_shape + usual) / (_shape + sought)));
        }

        _sums[0] = Math.Clamp(_sums[0] + Math.Min(_firesAt / 2, llr), 0, 2 * _firesAt); // one minute alone never fires
    }

    private void WeighErrors(MinuteTally tally, double usual)
    {
        Span<double> weighed = stackalloc double[_sums.Length];
        for (var i = 0; i < _sums.Length; i++)
        {
            var sought = ErrorRateSought(usual, ErrorSteps[i]);
            weighed[i] = sought <= usual || tally.Points == 0
                ? 0
                : (tally.Errors * Math.Log(sought / usual)) + ((tally.Points - tally.Errors) * Math.Log((1 - sought) / (1 - usual)));
            _sums[i] = Math.Clamp(_sums[i] + Math.Min(_firesAt / 2, weighed[i]), 0, 2 * _firesAt);
        }

        for (var i = _sums.Length - 1; i > _firedBy; i--)
        {
            if (_sums[i] >= _firesAt)
            {
                _firedBy = i; // the largest change that fired
                break;
            }
        }

        if (_firedBy < 0 || _sums[_firedBy] >= _firesAt / 2)
        {
            Array.Clear(_sinceEnd);
            _minutesSinceEnd = 0;
            return;
        }

        // The largest change that fired is over. A smaller change's sum, which a quiet service's usual
        // minutes bring down far more slowly, ends with it once the minutes since (ten at least) weigh
        // against that change too; one that its minutes still feed (errors still 2 points up) holds.
        var open = false;
        _minutesSinceEnd++;
        for (var i = 0; i < _sums.Length; i++)
        {
            _sinceEnd[i] += weighed[i];
            _sums[i] = _minutesSinceEnd >= EndMinutes && _sinceEnd[i] <= 0 ? 0 : _sums[i];
            open |= _sums[i] >= _firesAt / 2;
        }

        if (!open)
        {
            _firedBy = -1;
        }
    }

    /// <summary>
    /// Weighs a minute's requests against the usual median: each one's distance from it in spreads,
    /// clipped at <see cref="Clip"/>, averaged over the minute; taken as normal around its usual mean
    /// (as usual) or <see cref="SoughtShift"/> above it (slower), with the requests' chance variance
    /// plus <see cref="MeanSpread"/>'s. The mean must also clear the usual median's own error (1.25
    /// spreads over the square root of the requests it was learnt from), so a quiet service's hour,
    /// whose usual median is known less well, needs a larger shift. A minute of 300 requests weighs
    /// about as much as 30 would; one without requests weighs nothing.
    /// </summary>
    private void WeighLatency(ReadOnlySpan<SeriesLevels.MovedValue> values)
    {
        long requests = 0;
        double distances = 0;
        foreach (var (log, count) in values)
        {
            requests += count;
            distances += count * Math.Clamp((log - _logUsual) / _spread, -Clip, Clip);
        }

        if (requests == 0)
        {
            return;
        }

        var usualError = _usualRequests > 0 ? 1.25 / Math.Sqrt(_usualRequests) : 0;
        var variance = (ClippedVariance / requests) + (MeanSpread * MeanSpread);
        var llr = SoughtShift * ((distances / requests) - _usualShift - (SoughtShift / 2) - usualError) / variance;
        if (!double.IsNaN(llr))
        {
            _sums[0] = Math.Clamp(_sums[0] + Math.Min(_firesAt / 3, llr), 0, 2 * _firesAt); // two spike minutes back to back never fire
        }
    }

    /// <summary>The logarithm of a bin's value (<see cref="SketchMapping.CodeValue"/>, 2γⁱ / (γ + 1)), without a logarithm per call; the zero bin's is the smallest indexable value's.</summary>
    internal static double LogValue(int code) =>
        code == 0 ? LogMinIndexable : ((code + SketchMapping.ZeroIndex) * LogGamma) + LogBinCentre;

    private static double ErrorRateSought(double usual, double step) => Math.Min(0.9, Math.Max(usual + step, 3 * usual));

    /// <summary>The totals of <paramref name="hour"/>, or null when the history does not hold it.</summary>
    private HourTotals? Read(long hour)
    {
        var slot = _hours[Index(hour)];
        return slot.Hour == hour && slot.Minutes > 0 ? slot : null;
    }

    /// <summary>The totals of <paramref name="hour"/> to add to: a newer hour takes the slot of one the history no longer holds.</summary>
    private ref HourTotals Write(long hour)
    {
        ref var slot = ref _hours[Index(hour)];
        if (slot.Hour != hour)
        {
            slot = new HourTotals { Hour = hour };
            if (_latencies is not null)
            {
                _latencies[Index(hour)] = default;
            }
        }

        return ref slot;
    }

    private int Index(long hour) => (int)(((hour % _hours.Length) + _hours.Length) % _hours.Length);

    private static long HourOf(long minute) => FloorDivision.Of(minute, 60);

    private static long DayOf(long hour) => FloorDivision.Of(hour, 24);

    private enum Kind
    {
        Drop,
        Surge,
        Errors,
        Latency,
    }

    private struct HourTotals
    {
        public long Hour;
        public int Minutes;
        public int Blocks; // a traffic test's whole five-minute blocks (from the hour's start)
        public double Events;
        public long Points;
        public long Errors;
        public double BlockSquares; // and Σ their requests²
    }

    /// <summary>A latency test's hour, beside its <see cref="HourTotals"/>: its minutes' medians (logarithms, summed over the minutes with requests), and its requests' distances to the usual median.</summary>
    private struct LatencyTotals
    {
        public double LogMedians;
        public double SentGaps; // how far the minutes' medians of the durations as sent, not moved by their series' levels, ran from the moved ones (summed over a sample of the minutes: SentGapEvery)
        public double AbsDeviations;
        public double Shifts;
        public int Minutes;
        public int SentMinutes; // the minutes sampled for SentGaps
        public long Deviations;
        public long Shifted;
    }
}
