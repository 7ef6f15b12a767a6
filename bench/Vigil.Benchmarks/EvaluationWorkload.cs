using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>How services are told apart in the workload's series.</summary>
public enum ServiceShape
{
    /// <summary>One metric per kind with a <c>service</c> label (<c>http_request_duration_ms{service,route,method,status}</c>); rules match <c>service</c>.</summary>
    ServiceLabel,

    /// <summary>One metric name per service and kind (<c>svc0042_http_request_duration_ms{route,method,status}</c>); rules need no <c>service</c> matcher.</summary>
    MetricPerService,
}

/// <summary>One series of the workload: its metric, labels, type, and how to generate its points.</summary>
internal sealed record SeriesSpec(string Metric, LabelSet Labels, MetricType Type, double PointsPerMinute, double Median, int Seed, bool IsError);

/// <summary>
/// The rule-evaluation workload (the "Rule evaluation" section of docs/BENCHMARKS.md):
/// 1 000 services × 100 series = 100 000 series with 30 minutes of points, and 10 rules per
/// service = 10 000 rules. Deterministic (seeded).
/// <para>Per service: 80 timing series <c>http_request_duration_ms{route (10), method (GET, POST), status (200, 404, 500, 503)}</c>
/// at Poisson rates from 10 points/s (the hottest route, GET, 200) down to one point every 200 minutes
/// (503s on a quiet route), log-normal values with a per-route median of 15–400 ms
/// (every 50th service has one route at about 900 ms, so some p95 rules fire); gauges
/// <c>queue_depth{queue (5)}</c> and <c>heap_used_percent{instance (5)}</c> and counters
/// <c>jobs_total{status (5)}</c> and <c>db_errors_total{db (5)}</c>, one point every 10 s.</para>
/// </summary>
internal static class EvaluationWorkload
{
    public const int Services = 1_000;
    public const int RulesPerService = 10;

    /// <summary>Points cover [now − 30 min, now]: 15-minute windows and the previous window of percent-change rules.</summary>
    public const long SpanMs = 30 * 60_000;

    private static readonly string[] Methods = ["GET", "POST"];
    private static readonly string[] Statuses = ["200", "404", "500", "503"];
    private static readonly double[] StatusShare = [1.0, 0.1, 0.05, 0.02];
    private static readonly string[] JobStatuses = ["success", "failed", "retried", "cancelled", "timeout"];

    // Requests per minute of route i (GET, status 200); POST gets half.
    private static readonly double[] RoutePerMinute = [600, 300, 120, 60, 30, 12, 6, 3, 1, 0.5];
    private static readonly double[] RouteMedianMs = [15, 25, 40, 60, 80, 120, 150, 200, 300, 400];

    /// <summary>The evaluation instant: 2026-01-05 12:00 UTC.</summary>
    public static readonly long NowMs = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static string ServiceName(int service) => $"svc{service:D4}";

    public static string MetricName(ServiceShape shape, int service, string metric) =>
        shape == ServiceShape.MetricPerService ? $"{ServiceName(service)}_{metric}" : metric;

    /// <summary>Every series, service by service.</summary>
    public static IEnumerable<SeriesSpec> Series(ServiceShape shape)
    {
        var seed = 1;
        for (var s = 0; s < Services; s++)
        {
            var service = ServiceName(s);
            for (var r = 0; r < RoutePerMinute.Length; r++)
            {
                var route = $"/api/v1/resource{r}/{{id}}";
                var median = RouteMedianMs[r] * (1 + (0.1 * (s % 7)));
                if (s % 50 == 0 && r == 3)
                {
                    median = 900;
                }

                for (var m = 0; m < Methods.Length; m++)
                {
                    for (var st = 0; st < Statuses.Length; st++)
                    {
                        var perMinute = RoutePerMinute[r] * (m == 0 ? 1 : 0.5) * StatusShare[st];
                        var labels = Labels(shape, service, ("route", route), ("method", Methods[m]), ("status", Statuses[st]));
                        yield return new SeriesSpec(MetricName(shape, s, "http_request_duration_ms"), labels, MetricType.Timing, perMinute,
                            st >= 2 ? median * 3 : median, seed++, st >= 2);
                    }
                }
            }

            for (var i = 0; i < 5; i++)
            {
                yield return new SeriesSpec(MetricName(shape, s, "queue_depth"), Labels(shape, service, ("queue", $"queue{i}")), MetricType.Gauge, 6, s % 100 == 0 && i == 0 ? 1500 : 40 + (20 * i), seed++, false);
            }

            for (var i = 0; i < 5; i++)
            {
                yield return new SeriesSpec(MetricName(shape, s, "heap_used_percent"), Labels(shape, service, ("instance", $"pod-{i}")), MetricType.Gauge, 6, 55 + (5 * i), seed++, false);
            }

            for (var i = 0; i < JobStatuses.Length; i++)
            {
                yield return new SeriesSpec(MetricName(shape, s, "jobs_total"), Labels(shape, service, ("status", JobStatuses[i])), MetricType.Counter, 6, i == 0 ? 20 : 1, seed++, i == 1);
            }

            for (var i = 0; i < 5; i++)
            {
                yield return new SeriesSpec(MetricName(shape, s, "db_errors_total"), Labels(shape, service, ("db", $"db{i}")), MetricType.Counter, 6, 0.2, seed++, false);
            }
        }
    }

    /// <summary>
    /// Writes the points of one series, oldest first, into the buffers (grown as needed) and
    /// returns how many: Poisson arrivals for timings, one point every 10 s for gauges and counters.
    /// </summary>
    public static int Points(SeriesSpec spec, ref long[] timestamps, ref double[] values)
    {
        var random = new Random(spec.Seed);
        var from = NowMs - SpanMs;
        var count = 0;
        if (spec.Type == MetricType.Timing)
        {
            var meanGapMs = 60_000 / spec.PointsPerMinute;
            var sigma = 0.6;
            var mu = Math.Log(spec.Median);
            for (var ts = from + (long)(-Math.Log(1 - random.NextDouble()) * meanGapMs); ts <= NowMs; ts += 1 + (long)(-Math.Log(1 - random.NextDouble()) * meanGapMs))
            {
                Ensure(ref timestamps, ref values, count);
                timestamps[count] = ts;
                values[count] = Math.Round(Math.Exp(mu + (sigma * Normal(random))), 3);
                count++;
            }

            return count;
        }

        var level = spec.Median;
        for (var ts = from + random.Next(10_000); ts <= NowMs; ts += 10_000)
        {
            Ensure(ref timestamps, ref values, count);
            timestamps[count] = ts;
            if (spec.Type == MetricType.Gauge)
            {
                level = Math.Clamp(level + (Normal(random) * spec.Median * 0.02), 0, spec.Metric.EndsWith("percent", StringComparison.Ordinal) ? 100 : double.MaxValue);
                values[count] = Math.Round(level);
            }
            else
            {
                // Increments per 10 s: Poisson-ish around the mean.
                values[count] = Math.Max(0, Math.Round(spec.Median + (Normal(random) * Math.Sqrt(spec.Median))));
            }

            count++;
        }

        return count;
    }

    /// <summary>A store holding every series of the workload (exactly <see cref="MetricsOptions.MaxSeries"/> = 100 000).</summary>
    public static (MetricStore Store, long Points) BuildStore(ServiceShape shape) => BuildStore(shape, new FixedTime(NowMs));

    /// <summary>The same store, on a clock the caller can move.</summary>
    public static (MetricStore Store, long Points) BuildStore(ServiceShape shape, FixedTime clock)
    {
        var store = new MetricStore(new MetricsOptions(), clock);
        long total = 0;
        var timestamps = new long[1024];
        var values = new double[1024];
        foreach (var spec in Series(shape))
        {
            var series = store.GetOrCreate(spec.Metric, spec.Labels, spec.Type) ?? throw new InvalidOperationException($"series refused: {spec.Metric}{spec.Labels}");
            var count = Points(spec, ref timestamps, ref values);
            for (var i = 0; i < count; i++)
            {
                series.Record(values[i], timestamps[i]);
            }

            total += count;
        }

        return (store, total);
    }

    /// <summary>The 10 rules of every service (10 000).</summary>
    public static List<AlertRule> Rules(ServiceShape shape)
    {
        var rules = new List<AlertRule>(Services * RulesPerService);
        for (var s = 0; s < Services; s++)
        {
            var service = ServiceName(s);
            string Metric(string name) => MetricName(shape, s, name);
            Dictionary<string, string> Match(params (string Name, string Value)[] pairs)
            {
                var match = new Dictionary<string, string>(StringComparer.Ordinal);
                if (shape == ServiceShape.ServiceLabel)
                {
                    match["service"] = service;
                }

                foreach (var (name, value) in pairs)
                {
                    match[name] = value;
                }

                return match;
            }

            string[] route = ["route"];
            rules.Add(Rule(service, 0, "Slow API Endpoint", Metric("http_request_duration_ms"), Match(("method", "GET")), route, Aggregation.P95, 15, 10, 1000));
            rules.Add(Rule(service, 1, "Traffic stopped", Metric("http_request_duration_ms"), Match(("status", "200")), [], Aggregation.Count, 5, 0, 1, Comparison.LessThan));
            rules.Add(Rule(service, 2, "High average response time", Metric("http_request_duration_ms"), Match(), route, Aggregation.Avg, 10, 10, 800));
            rules.Add(Rule(service, 3, "Endpoint error spike", Metric("http_request_duration_ms"), Match(), route, Aggregation.ErrorRatePercent, 10, 10, 10));
            rules.Add(Rule(service, 4, "High error rate", Metric("http_request_duration_ms"), Match(), [], Aggregation.ErrorRatePercent, 5, 20, 5));
            rules.Add(Rule(service, 5, "Endpoint throughput drop", Metric("http_request_duration_ms"), Match(), route, Aggregation.RatePerMinute, 15, 10, 1, Comparison.LessThan));
            rules.Add(Rule(service, 6, "Queue depth", Metric("queue_depth"), Match(), ["queue"], Aggregation.Avg, 5, 1, 1000));
            rules.Add(Rule(service, 7, "Heap usage", Metric("heap_used_percent"), Match(), ["instance"], Aggregation.Max, 5, 1, 85));
            rules.Add(Rule(service, 8, "Job failures", Metric("jobs_total"), Match(("status", "failed")), [], Aggregation.RatePerMinute, 10, 1, 10));
            rules.Add(Rule(service, 9, "Database errors", Metric("db_errors_total"), Match(), ["db"], Aggregation.Sum, 5, 1, 10));
        }

        return rules;
    }

    private static AlertRule Rule(string service, int index, string name, string metric, Dictionary<string, string> match, string[] groupBy, Aggregation aggregation, double windowMinutes, int minDataPoints, double threshold, Comparison comparison = Comparison.GreaterThan) => new()
    {
        Id = $"{service}-rule{index}",
        Name = $"{name} ({service})",
        Metric = metric,
        Match = match,
        GroupBy = groupBy,
        Aggregation = aggregation,
        WindowMinutes = windowMinutes,
        MinDataPoints = minDataPoints,
        Threshold = threshold,
        Comparison = comparison,
        Channels = ["ops-webhook"],
    };

    private static LabelSet Labels(ServiceShape shape, string service, params (string Name, string Value)[] pairs)
    {
        var list = new List<KeyValuePair<string, string>>(pairs.Length + 1);
        if (shape == ServiceShape.ServiceLabel)
        {
            list.Add(new("service", service));
        }

        foreach (var (name, value) in pairs)
        {
            list.Add(new(name, value));
        }

        return LabelSet.From(list);
    }

    private static void Ensure(ref long[] timestamps, ref double[] values, int count)
    {
        if (count == timestamps.Length)
        {
            Array.Resize(ref timestamps, count * 2);
            Array.Resize(ref values, count * 2);
        }
    }

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>A clock that stands still until it is moved.</summary>
internal sealed class FixedTime(long nowMs) : TimeProvider
{
    public long NowMs { get; set; } = nowMs;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}

/// <summary>
/// Keeps the workload's series receiving points after <see cref="EvaluationWorkload.NowMs"/>, at
/// the same rates and values as the history (other random draws), so passes can be timed as
/// the server runs them: a second later, with a second's new points in every series.
/// </summary>
internal sealed class LiveFeed
{
    private readonly List<(MetricSeries Series, SeriesSpec Spec, Random Random)> _series = [];
    private readonly long[] _next;

    public LiveFeed(ServiceShape shape, MetricStore store)
    {
        foreach (var spec in EvaluationWorkload.Series(shape))
        {
            _series.Add((store.Find(spec.Metric, spec.Labels)!, spec, new Random(spec.Seed + 1_000_000)));
        }

        _next = new long[_series.Count];
        for (var i = 0; i < _series.Count; i++)
        {
            _next[i] = EvaluationWorkload.NowMs + 1 + Gap(i);
        }
    }

    /// <summary>Records the points with timestamps in (previous call's end, <paramref name="toMs"/>]; returns how many.</summary>
    public long Feed(long toMs)
    {
        long points = 0;
        for (var i = 0; i < _series.Count; i++)
        {
            var (series, spec, random) = _series[i];
            for (; _next[i] <= toMs; _next[i] += Gap(i))
            {
                var value = spec.Type switch
                {
                    MetricType.Timing => Math.Round(Math.Exp(Math.Log(spec.Median) + (0.6 * Normal(random))), 3),
                    MetricType.Gauge => Math.Max(0, Math.Round(spec.Median + (Normal(random) * spec.Median * 0.05))),
                    _ => Math.Max(0, Math.Round(spec.Median + (Normal(random) * Math.Sqrt(spec.Median)))),
                };
                series.Record(value, _next[i]);
                points++;
            }
        }

        return points;
    }

    private long Gap(int i)
    {
        var (_, spec, random) = _series[i];
        return spec.Type == MetricType.Timing ? 1 + (long)(-Math.Log(1 - random.NextDouble()) * 60_000 / spec.PointsPerMinute) : 10_000;
    }

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
