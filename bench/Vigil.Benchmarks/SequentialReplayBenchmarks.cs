using BenchmarkDotNet.Attributes;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// A week's backtest of a sequential p50 rule (<c>Latency Anomaly</c>'s settings) in process, from
/// rollups in memory (no store read): <see cref="RuleBacktest.Replay"/> over the rule's 15 days and 2
/// hours of warm-up and the week, one group of 12 requests a minute (log-normal, seeded) in 9
/// series (3 routes × 3 statuses: <c>http_request_duration_ms{service, route, status}</c>), every
/// minute a rollup of each series that had requests. "series apart": as stored, so the test weighs
/// each request against its own series' level (<see cref="SeriesLevels"/>); "one series": the same
/// requests as one series (what a group of one series costs, and what the test cost before it told
/// series apart). The server's backtest adds reading the rollups and answering in JSON.
/// </summary>
[MemoryDiagnoser]
public class SequentialReplayBenchmarks
{
    private const int Days = 22;
    private const double RequestsPerMinute = 12;
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly double[] RouteShare = [0.7, 0.2, 0.1];
    private static readonly double[] RouteMedianMs = [100, 60, 220];
    private static readonly string[] Statuses = ["200", "404", "500"];
    private static readonly double[] StatusShare = [0.97, 0.02, 0.01];

    private static readonly AlertRule Rule = new()
    {
        Id = "latency_anomaly",
        Name = "Latency Anomaly",
        Metric = "http_request_duration_ms",
        GroupBy = ["service"],
        Aggregation = Aggregation.P50,
        WindowMinutes = 5,
        ThresholdType = ThresholdType.Anomaly,
        AnomalyMethod = Vigil.Core.Baselines.AnomalyMethod.Sequential,
        BaselineDays = 14,
        Comparison = Comparison.GreaterThan,
    };

    private SeriesHistory[] _apart = [];
    private SeriesHistory[] _merged = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var rollups = new List<Rollup>[9];
        var merged = new List<Rollup>();
        var values = new List<double>[9];
        for (var m = 0; m < Days * 1440; m++)
        {
            var minuteMs = Start.AddMinutes(m).ToUnixTimeMilliseconds();
            var all = new List<double>();
            var requests = Poisson(random, RequestsPerMinute);
            for (var i = 0; i < requests; i++)
            {
                var (route, status) = (Pick(random, RouteShare), Pick(random, StatusShare));
                var value = RouteMedianMs[route] * Math.Exp(0.4 * Normal(random));
                (values[(3 * route) + status] ??= []).Add(value);
                all.Add(value);
            }

            for (var s = 0; s < 9; s++)
            {
                if (values[s] is { Count: > 0 } some)
                {
                    (rollups[s] ??= []).Add(RollupOf(minuteMs, some));
                    some.Clear();
                }
            }

            if (all.Count > 0)
            {
                merged.Add(RollupOf(minuteMs, all));
            }
        }

        _apart = [.. Enumerable.Range(0, 9).Select(s => new SeriesHistory(Labels(("route", $"/r{s / 3}"), ("status", Statuses[s % 3])), IsError: s % 3 == 2, IsCounter: false, rollups[s] ?? []))];
        _merged = [new SeriesHistory(Labels(), IsError: false, IsCounter: false, merged)];
    }

    [Benchmark(Baseline = true, Description = "p50 sequential, a week, one series")]
    public int OneSeries() => Replay(_merged);

    [Benchmark(Description = "p50 sequential, a week, 9 series apart")]
    public int SeriesApart() => Replay(_apart);

    private static int Replay(SeriesHistory[] series) =>
        RuleBacktest.Replay(Rule, series, Start.AddDays(Days - 7), Start.AddDays(Days), TimeSpan.FromMinutes(1)).Count;

    private static Rollup RollupOf(long minuteMs, List<double> values)
    {
        var accumulator = new WindowAccumulator();
        foreach (var value in values)
        {
            accumulator.AddBin(SketchMapping.Code(value), 1);
        }

        return new Rollup(minuteMs, values.Count, values.Sum(), values.Min(), values.Max(), values[^1], 59_000, accumulator.PackBins());
    }

    private static LabelSet Labels(params (string Name, string Value)[] own) =>
        LabelSet.From([new("service", "checkout"), .. own.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))]);

    private static int Pick(Random random, double[] shares)
    {
        var (u, i) = (random.NextDouble(), 0);
        while (i < shares.Length - 1 && u >= shares[i])
        {
            u -= shares[i++];
        }

        return i;
    }

    private static int Poisson(Random random, double rate)
    {
        var limit = Math.Exp(-rate);
        var count = 0;
        for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
        {
            count++;
        }

        return count;
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
