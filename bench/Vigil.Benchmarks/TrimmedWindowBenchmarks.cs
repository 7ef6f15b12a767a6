using BenchmarkDotNet.Attributes;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// What <see cref="AlertRule.TrimMinutes"/> costs in the live evaluation: one
/// <see cref="RuleEvaluator.Evaluate"/> of one rule grouped by <c>service</c> over 100 services
/// with 9 timing series each (<c>http_request_duration_ms{service, route (3), status (200, 404, 500)}</c>,
/// about 100 requests a minute per service, log-normal durations, seeded), so 100 groups of 9
/// series per evaluation. Rules: p50 over 10 minutes and error_rate_percent over 5 minutes, each
/// untrimmed (the incremental sliding windows, <see cref="SeriesWindow"/>) and with
/// <c>trimMinutes: 1</c> (each clock minute of the window a sliding window of its own, judged and
/// merged again, <see cref="WindowTrim"/>), and error_rate_percent, rate_per_minute and p50 over 5
/// minutes with <c>anomalyMethod: sequential</c> (the same minute windows, each settled minute's
/// tally handed to the rule's memory, <see cref="SequentialTest"/>);
/// static thresholds nothing reaches. The <see cref="RuleEvaluator"/> is reused across invocations,
/// as the live engine reuses it, so its plans and sliding windows are warm.
/// <para>"fixed now": the store holds the last 20 minutes of points and every call evaluates at
/// the same instant, so the sliding windows have nothing to slide (the untrimmed cost is then the
/// floor: adding up the windows' merged state). "advancing": the store holds 20 minutes of points
/// before and 30 minutes after the first instant, and each call evaluates 10 s (one bucket) later
/// than the previous one, wrapping back after 30 minutes (one full window rebuild per 180 calls),
/// so the sliding windows decode the buckets that entered and left (the live engine evaluates
/// every second; most of its passes find no bucket entered or left).</para>
/// </summary>
[MemoryDiagnoser]
public class TrimmedWindowBenchmarks
{
    private const int Services = 100;
    private const double RequestsPerMinute = 100;
    private const long HistoryMs = 20 * 60_000;
    private const long AheadMs = 30 * 60_000;
    private const long StepMs = 10_000;
    private const string Metric = "http_request_duration_ms";

    private static readonly double[] RouteShare = [0.6, 0.3, 0.1];
    private static readonly double[] RouteMedianMs = [40, 120, 300];
    private static readonly string[] Statuses = ["200", "404", "500"];
    private static readonly double[] StatusShare = [0.9, 0.07, 0.03];

    private readonly RuleEvaluator _evaluator = new();
    private MetricStore _store = null!;
    private MetricStore _liveStore = null!;
    private FixedTime _liveClock = null!;
    private long _step;

    private static readonly AlertRule P50 = Rule("p50-10m", Aggregation.P50, 10, trim: 0);
    private static readonly AlertRule P50Trimmed = Rule("p50-10m-trim1", Aggregation.P50, 10, trim: 1);
    private static readonly AlertRule ErrorRate = Rule("error-rate-5m", Aggregation.ErrorRatePercent, 5, trim: 0);
    private static readonly AlertRule ErrorRateTrimmed = Rule("error-rate-5m-trim1", Aggregation.ErrorRatePercent, 5, trim: 1);
    private static readonly AlertRule ErrorRateSequential = Sequential("error-rate-5m-sequential", Aggregation.ErrorRatePercent, Comparison.GreaterThan);
    private static readonly AlertRule TrafficSequential = Sequential("rate-5m-sequential", Aggregation.RatePerMinute, Comparison.LessThan);
    private static readonly AlertRule LatencySequential = Sequential("p50-5m-sequential", Aggregation.P50, Comparison.GreaterThan);

    // The sequential rules' memories: learning (no week of history), so the cost is reading and weighing the minutes, not the judgement.
    private readonly RuleMemory _errorMemory = new(ErrorRateSequential);
    private readonly RuleMemory _trafficMemory = new(TrafficSequential);
    private readonly RuleMemory _latencyMemory = new(LatencySequential);

    [GlobalSetup]
    public void Setup()
    {
        _store = BuildStore(new FixedTime(EvaluationWorkload.NowMs), EvaluationWorkload.NowMs);
        _liveClock = new FixedTime(EvaluationWorkload.NowMs);
        _liveStore = BuildStore(_liveClock, EvaluationWorkload.NowMs + AheadMs);
        _step = 0;
    }

    [Benchmark(Baseline = true, Description = "p50 10m, untrimmed, fixed now")]
    public int P50Fixed() => _evaluator.Evaluate(P50, _store, EvaluationWorkload.NowMs).Count;

    [Benchmark(Description = "p50 10m, trim 1, fixed now")]
    public int P50TrimmedFixed() => _evaluator.Evaluate(P50Trimmed, _store, EvaluationWorkload.NowMs).Count;

    [Benchmark(Description = "error_rate 5m, untrimmed, fixed now")]
    public int ErrorRateFixed() => _evaluator.Evaluate(ErrorRate, _store, EvaluationWorkload.NowMs).Count;

    [Benchmark(Description = "error_rate 5m, trim 1, fixed now")]
    public int ErrorRateTrimmedFixed() => _evaluator.Evaluate(ErrorRateTrimmed, _store, EvaluationWorkload.NowMs).Count;

    [Benchmark(Description = "p50 10m, untrimmed, +10 s per call")]
    public int P50Advancing() => _evaluator.Evaluate(P50, _liveStore, NextNowMs()).Count;

    [Benchmark(Description = "p50 10m, trim 1, +10 s per call")]
    public int P50TrimmedAdvancing() => _evaluator.Evaluate(P50Trimmed, _liveStore, NextNowMs()).Count;

    [Benchmark(Description = "error_rate 5m, untrimmed, +10 s per call")]
    public int ErrorRateAdvancing() => _evaluator.Evaluate(ErrorRate, _liveStore, NextNowMs()).Count;

    [Benchmark(Description = "error_rate 5m, trim 1, +10 s per call")]
    public int ErrorRateTrimmedAdvancing() => _evaluator.Evaluate(ErrorRateTrimmed, _liveStore, NextNowMs()).Count;

    [Benchmark(Description = "error_rate 5m, sequential, +10 s per call")]
    public int ErrorRateSequentialAdvancing() => _evaluator.Evaluate(ErrorRateSequential, _liveStore, NextNowMs(), _errorMemory).Count;

    [Benchmark(Description = "rate_per_minute 5m, sequential, +10 s per call")]
    public int TrafficSequentialAdvancing() => _evaluator.Evaluate(TrafficSequential, _liveStore, NextNowMs(), _trafficMemory).Count;

    [Benchmark(Description = "p50 5m, sequential, +10 s per call")]
    public int LatencySequentialAdvancing() => _evaluator.Evaluate(LatencySequential, _liveStore, NextNowMs(), _latencyMemory).Count;

    /// <summary>The next instant of the advancing benchmarks: 10 s after the previous one, back to the first after 30 minutes.</summary>
    private long NextNowMs()
    {
        var nowMs = EvaluationWorkload.NowMs + (_step++ % (AheadMs / StepMs) * StepMs);
        _liveClock.NowMs = nowMs;
        return nowMs;
    }

    private static AlertRule Rule(string id, Aggregation aggregation, double windowMinutes, int trim) => new()
    {
        Id = id,
        Name = id,
        Metric = Metric,
        GroupBy = ["service"],
        Aggregation = aggregation,
        WindowMinutes = windowMinutes,
        ThresholdType = ThresholdType.Static,
        Threshold = 1e12,
        TrimMinutes = trim,
    };

    private static AlertRule Sequential(string id, Aggregation aggregation, Comparison comparison) => Rule(id, aggregation, 5, trim: 0) with
    {
        ThresholdType = ThresholdType.Anomaly,
        AnomalyMethod = Vigil.Core.Baselines.AnomalyMethod.Sequential,
        Threshold = null,
        BaselineDays = 14,
        Comparison = comparison,
    };

    /// <summary>A store holding every series' points from 20 minutes before <see cref="EvaluationWorkload.NowMs"/> to <paramref name="untilMs"/>.</summary>
    private static MetricStore BuildStore(TimeProvider clock, long untilMs)
    {
        var store = new MetricStore(new MetricsOptions(), clock);
        var seed = 1;
        var points = new List<MetricPoint>();
        for (var s = 0; s < Services; s++)
        {
            var service = $"svc{s:D3}";
            for (var r = 0; r < RouteShare.Length; r++)
            {
                for (var st = 0; st < Statuses.Length; st++)
                {
                    var labels = LabelSet.From([new("service", service), new("route", $"/api/v1/resource{r}/{{id}}"), new("status", Statuses[st])]);
                    var meanGapMs = 60_000 / (RequestsPerMinute * RouteShare[r] * StatusShare[st]);
                    var mu = Math.Log(RouteMedianMs[r] * (1 + (0.1 * (s % 5))) * (st == 2 ? 3 : 1));
                    var random = new Random(seed++);
                    points.Clear();
                    for (var ts = EvaluationWorkload.NowMs - HistoryMs + Gap(random, meanGapMs); ts <= untilMs; ts += 1 + Gap(random, meanGapMs))
                    {
                        points.Add(new MetricPoint(Metric, MetricType.Timing, Math.Round(Math.Exp(mu + (0.6 * Normal(random))), 3), labels, ts));
                    }

                    if (!store.Ingest(points).IsAccepted)
                    {
                        throw new InvalidOperationException($"points refused: {Metric}{labels}");
                    }
                }
            }
        }

        return store;
    }

    private static long Gap(Random random, double meanGapMs) => (long)(-Math.Log(1 - random.NextDouble()) * meanGapMs);

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
