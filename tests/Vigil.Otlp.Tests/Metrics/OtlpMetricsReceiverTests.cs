using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Proto.Collector.Metrics.V1;
using Vigil.Otlp.Proto.Metrics.V1;
using static Vigil.Otlp.Tests.Metrics.Otlp;

namespace Vigil.Otlp.Tests.Metrics;

public class OtlpMetricsReceiverTests
{
    private const ulong T0 = 1_795_000_000 * Second;
    private const AggregationTemporality Cumulative = AggregationTemporality.Cumulative;
    private const AggregationTemporality Delta = AggregationTemporality.Delta;

    private readonly OtlpMetricsReceiver _receiver = new(Options.Create(new OtlpOptions()), new FakeTimeProvider());

    [Fact]
    public void Map_Gauge_LabelsFromAttributesAndAllowedResourceAttributes()
    {
        var export = Export(Gauge("queue.depth", Number(7, T0, 0, Attribute("queue.name", "orders"), Attribute("9lives", "x"))));

        var batch = _receiver.Map(Parse(export), 100);

        var point = Assert.Single(batch.Points);
        Assert.Equal(("queue_depth", MetricType.Gauge, 7.0, 1), (point.Name, point.Type, point.Value, point.Count));
        Assert.Equal((long)(T0 / 1_000_000), point.TimestampMs);
        Assert.Equal(new Dictionary<string, string?> { ["service"] = "checkout", ["queue_name"] = "orders", ["_9lives"] = "x" }, point.Labels);
        Assert.Equal(0, batch.RejectedDataPoints); // host.name is not on the allow-list
    }

    [Fact]
    public void Map_ResourceAttributesSetting_MapsOnlyThoseListed()
    {
        var options = new OtlpOptions();
        options.ResourceAttributes["host.name"] = "host";
        options.ResourceAttributes["service.version"] = "";
        var receiver = new OtlpMetricsReceiver(Options.Create(options), new FakeTimeProvider());
        var export = Export([Attribute("service.name", "api"), Attribute("service.version", "1.2"), Attribute("host.name", "web-1")], Gauge("g", Number(1, T0)));

        var point = Assert.Single(receiver.Map(Parse(export), 100).Points);

        Assert.Equal(new Dictionary<string, string?> { ["service"] = "api", ["host"] = "web-1" }, point.Labels);
    }

    [Fact]
    public void Map_CumulativeSum_FirstEstablishesThenIncrementsAndResets()
    {
        OtlpPoint[] Send(double value, ulong time, ulong start = T0)
        {
            var batch = _receiver.Map(Parse(Export(Sum("http.requests", true, Cumulative, Number(value, time, start)))), 100);
            batch.Commit();
            return [.. batch.Points];
        }

        Assert.Empty(Send(10, T0 + Second)); // the start
        Assert.Equal(5, Assert.Single(Send(15, T0 + (2 * Second))).Value);
        Assert.Empty(Send(15, T0 + (2 * Second))); // a repeat of the same value: nothing
        Assert.Equal(0, Assert.Single(Send(15, T0 + (3 * Second))).Value);
        Assert.Equal(4, Assert.Single(Send(4, T0 + (4 * Second))).Value); // a drop: the sender restarted
        Assert.Equal(2, Assert.Single(Send(2, T0 + (5 * Second), start: T0 + (5 * Second) - 1)).Value); // a new start time: a reset
        var counter = Assert.Single(Send(3, T0 + (6 * Second), start: T0 + (5 * Second) - 1));
        Assert.Equal((MetricType.Counter, "http_requests", 1.0), (counter.Type, counter.Name, counter.Value));
    }

    [Fact]
    public void Map_CumulativeSumNotCommitted_SameIncrementNextTime()
    {
        _receiver.Map(Parse(Export(Sum("c", true, Cumulative, Number(10, T0)))), 100).Commit();

        var refused = _receiver.Map(Parse(Export(Sum("c", true, Cumulative, Number(25, T0 + Second)))), 100); // say the store refused it: no commit
        var again = _receiver.Map(Parse(Export(Sum("c", true, Cumulative, Number(25, T0 + Second)))), 100);

        Assert.Equal(15, Assert.Single(refused.Points).Value);
        Assert.Equal(15, Assert.Single(again.Points).Value);
    }

    [Fact]
    public void Map_CumulativeSum_SeriesOfTwoResourcesKeptApart()
    {
        ExportMetricsServiceRequest From(string host, double value, ulong time) =>
            Export([Attribute("service.name", "api"), Attribute("host.name", host)], Sum("c", true, Cumulative, Number(value, time)));

        _receiver.Map(Parse(From("a", 100, T0)), 100).Commit();
        _receiver.Map(Parse(From("b", 5, T0)), 100).Commit();
        var a = _receiver.Map(Parse(From("a", 110, T0 + Second)), 100);
        var b = _receiver.Map(Parse(From("b", 6, T0 + Second)), 100);

        Assert.Equal(10, Assert.Single(a.Points).Value);
        Assert.Equal(1, Assert.Single(b.Points).Value);
        Assert.Equal(2, _receiver.CumulativeSeries);
    }

    [Fact]
    public void Map_DeltaAndNonMonotonicSums_CounterAsSentAndGauge()
    {
        var batch = _receiver.Map(Parse(Export(Sum("jobs.done", true, Delta, Number(3, T0)), Sum("active", false, Cumulative, Number(-2, T0)))), 100);

        Assert.Equal([("jobs_done", MetricType.Counter, 3.0), ("active", MetricType.Gauge, -2.0)], batch.Points.Select(p => (p.Name, p.Type, p.Value)));
    }

    [Fact]
    public void Map_ExplicitHistogramInSeconds_BucketsAtTheirMiddleInMilliseconds()
    {
        // Buckets (-inf,0.1] (0.1,0.5] (0.5,1] (1,+inf): 2, 0, 3, 1 values; min 0.02 s, max 4 s.
        var export = Export(Histogram("http.server.request.duration", "s", Delta, HistogramPoint([0.1, 0.5, 1], [2, 0, 3, 1], T0, min: 0.02, max: 4)));

        var points = _receiver.Map(Parse(export), 100).Points;

        Assert.All(points, p => Assert.Equal(("http_server_request_duration_ms", MetricType.Timing), (p.Name, p.Type)));
        Assert.Equal([(60.0, 2), (750.0, 3), (2_500.0, 1)], points.Select(p => (Math.Round(p.Value, 9), p.Count)));
        Assert.Same(points[0].Labels, points[2].Labels); // one data point: one label set
    }

    [Fact]
    public void Map_CumulativeHistogram_CountsTheIncrementPerBucket()
    {
        Metric At(ulong[] counts, ulong time) => Histogram("latency_ms", "ms", Cumulative, HistogramPoint([10, 100], counts, time, start: T0));

        _receiver.Map(Parse(Export(At([1, 1, 0], T0 + Second))), 100).Commit();
        var batch = _receiver.Map(Parse(Export(At([4, 1, 2], T0 + (2 * Second)))), 100);

        Assert.Equal([(5.0, 3), (100.0, 2)], batch.Points.Select(p => (p.Value, p.Count))); // above the last bound without max: at the bound
        Assert.Equal("latency_ms", batch.Points[0].Name);
    }

    [Fact]
    public void Map_ExponentialHistogram_WithinTheBucketBound()
    {
        // Scale 3: base 2^(1/8); index 53 covers (2^(53/8), 2^(54/8)] = (98.7, 107.6].
        var batch = _receiver.Map(Parse(Export(Exponential("db.query", "ms", Delta, 3, 53, [10], T0, zeroCount: 2))), 100);

        Assert.Equal([(0.0, 2), (Math.Pow(2, 53.5 / 8), 10)], batch.Points.Select(p => (p.Value, p.Count)));
        Assert.InRange(batch.Points[1].Value / Math.Pow(2, 53.0 / 8), 1, Math.Pow(2, 1.0 / 16) + 1e-12);
    }

    [Fact]
    public void Map_CumulativeExponentialHistogramDownscaled_IncrementAtTheNewScale()
    {
        // Scale 1, index 4 and 5 (one value each), then scale 0 where both are index 2 (4 values now).
        _receiver.Map(Parse(Export(Exponential("e", "ms", Cumulative, 1, 4, [1, 1], T0))), 100).Commit();
        var batch = _receiver.Map(Parse(Export(Exponential("e", "ms", Cumulative, 0, 2, [4], T0 + Second))), 100);

        var point = Assert.Single(batch.Points);
        Assert.Equal((Math.Pow(2, 2.5), 2), (point.Value, point.Count));
    }

    [Fact]
    public void Map_RefusedDataPoints_CountedWithTheirReasons()
    {
        var summary = new Metric { Name = "rpc.latency", Summary = new Summary() };
        summary.Summary.DataPoints.Add(new SummaryDataPoint { Count = 1, Sum = 2, TimeUnixNano = T0 });
        var negative = Sum("c", true, Delta, Number(-1, T0));
        var noValue = Gauge("g", new NumberDataPoint { TimeUnixNano = T0 });
        var badBounds = Histogram("h", "ms", Delta, HistogramPoint([10, 5], [1, 1, 1], T0));
        var noTemporality = Sum("u", true, AggregationTemporality.Unspecified, Number(1, T0));

        var batch = _receiver.Map(Parse(Export(summary, negative, noValue, badBounds, noTemporality, Gauge("ok", Number(1, T0)))), 100);

        Assert.Equal(6, batch.DataPoints);
        Assert.Equal(5, batch.RejectedDataPoints);
        Assert.Equal("ok", Assert.Single(batch.Points).Name);
        Assert.Contains("metric 'rpc.latency': summaries are not supported", batch.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("metric 'h': explicit_bounds must be finite and strictly increasing", batch.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_MoreDataPointsThanTheLimit_TheRestRefused()
    {
        var batch = _receiver.Map(Parse(Export(Gauge("g", Number(1, T0), Number(2, T0), Number(3, T0)))), 2);

        Assert.Equal([1.0, 2.0], batch.Points.Select(p => p.Value));
        Assert.Equal(1, batch.RejectedDataPoints);
        Assert.Contains("MaxPointsPerBatch", batch.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_CumulativeSeriesBoundReached_NewSeriesRefused()
    {
        var time = new FakeTimeProvider();
        var receiver = new OtlpMetricsReceiver(Options.Create(new OtlpOptions { MaxCumulativeSeries = 1 }), time);
        receiver.Map(Parse(Export(Sum("a", true, Cumulative, Number(1, T0)))), 100).Commit();

        var refused = receiver.Map(Parse(Export(Sum("b", true, Cumulative, Number(1, T0)))), 100);
        time.Advance(TimeSpan.FromHours(2)); // "a" is idle past the timeout: forgotten, room for "b"
        var taken = receiver.Map(Parse(Export(Sum("b", true, Cumulative, Number(1, T0)))), 100);

        Assert.Equal(1, refused.RejectedDataPoints);
        Assert.Contains("MaxCumulativeSeries", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, taken.RejectedDataPoints);
    }

    [Fact]
    public void TryParse_OtlpJson_CamelCaseStringIntegersAndEnumNumbers()
    {
        var json = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
              "scopeMetrics":[{"scope":{"name":"s"},"metrics":[
                {"name":"orders","unit":"1","sum":{"aggregationTemporality":1,"isMonotonic":true,
                  "dataPoints":[{"asInt":"3","timeUnixNano":"1795000000000000000","attributes":[{"key":"k","value":{"intValue":"5"}}],
                                 "exemplars":[{"spanId":"eee19b7ec3c1b174","traceId":"5b8efff798038103d269b633813fc60c","asDouble":1}]}]}}],
              "futureField":true}]}]}
            """;

        Assert.True(OtlpMetricsRequest.TryParse(Encoding.UTF8.GetBytes(json), OtlpEncoding.Json, out var request, out var problem), problem);
        var point = Assert.Single(_receiver.Map(request, 100).Points);

        Assert.Equal(("orders", MetricType.Counter, 3.0), (point.Name, point.Type, point.Value));
        Assert.Equal(new Dictionary<string, string?> { ["service"] = "api", ["k"] = "5" }, point.Labels);
    }

    [Theory]
    [InlineData(OtlpEncoding.Protobuf, new byte[] { 0x0a, 0x05, 0x0a, 0x03 })] // truncated
    [InlineData(OtlpEncoding.Protobuf, new byte[] { 0xff, 0xff, 0xff, 0xff })] // not protobuf
    [InlineData(OtlpEncoding.Json, new byte[] { (byte)'{', (byte)'"' })]
    [InlineData(OtlpEncoding.Json, new byte[] { (byte)'[', (byte)']' })]
    public void TryParse_Malformed_Problem(OtlpEncoding encoding, byte[] body)
    {
        Assert.False(OtlpMetricsRequest.TryParse(body, encoding, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Response_PartialSuccess_ReadsBackInBothEncodings()
    {
        var binary = ExportMetricsServiceResponse.Parser.ParseFrom(OtlpMetricsRequest.Response(OtlpEncoding.Protobuf, 3, "why"));
        var json = Encoding.UTF8.GetString(OtlpMetricsRequest.Response(OtlpEncoding.Json, 3, "why"));

        Assert.Equal((3L, "why"), (binary.PartialSuccess.RejectedDataPoints, binary.PartialSuccess.ErrorMessage));
        Assert.Equal("""{ "partialSuccess": { "rejectedDataPoints": "3", "errorMessage": "why" } }""", json);
        Assert.Empty(OtlpMetricsRequest.Response(OtlpEncoding.Protobuf, 0, null));
    }
}
