using Google.Protobuf;
using Vigil.Otlp.Proto.Collector.Metrics.V1;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Metrics.V1;
using Vigil.Otlp.Proto.Resource.V1;

namespace Vigil.Otlp.Tests.Metrics;

/// <summary>Builds OTLP export requests for the tests.</summary>
internal static class Otlp
{
    public const ulong Second = 1_000_000_000;

    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ExportMetricsServiceRequest Export(params Metric[] metrics) => Export([Attribute("service.name", "checkout"), Attribute("host.name", "web-1")], metrics);

    public static ExportMetricsServiceRequest Export(KeyValue[] resource, params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "tests", Version = "1.0" } };
        scope.Metrics.AddRange(metrics);
        var resourceMetrics = new ResourceMetrics { Resource = new Resource() };
        resourceMetrics.Resource.Attributes.AddRange(resource);
        resourceMetrics.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resourceMetrics);
        return request;
    }

    public static NumberDataPoint Number(double value, ulong time, ulong start = 0, params KeyValue[] attributes)
    {
        var point = new NumberDataPoint { AsDouble = value, TimeUnixNano = time, StartTimeUnixNano = start };
        point.Attributes.AddRange(attributes);
        return point;
    }

    public static Metric Gauge(string name, params NumberDataPoint[] points)
    {
        var metric = new Metric { Name = name, Gauge = new Gauge() };
        metric.Gauge.DataPoints.AddRange(points);
        return metric;
    }

    public static Metric Sum(string name, bool monotonic, AggregationTemporality temporality, params NumberDataPoint[] points)
    {
        var metric = new Metric { Name = name, Sum = new Sum { IsMonotonic = monotonic, AggregationTemporality = temporality } };
        metric.Sum.DataPoints.AddRange(points);
        return metric;
    }

    public static HistogramDataPoint HistogramPoint(double[] bounds, ulong[] counts, ulong time, double? min = null, double? max = null, ulong start = 0)
    {
        var point = new HistogramDataPoint { TimeUnixNano = time, StartTimeUnixNano = start, Count = (ulong)counts.Sum(c => (long)c) };
        point.ExplicitBounds.AddRange(bounds);
        point.BucketCounts.AddRange(counts);
        if (min is { } low)
        {
            point.Min = low;
        }

        if (max is { } high)
        {
            point.Max = high;
        }

        return point;
    }

    public static Metric Histogram(string name, string unit, AggregationTemporality temporality, params HistogramDataPoint[] points)
    {
        var metric = new Metric { Name = name, Unit = unit, Histogram = new Histogram { AggregationTemporality = temporality } };
        metric.Histogram.DataPoints.AddRange(points);
        return metric;
    }

    public static Metric Exponential(string name, string unit, AggregationTemporality temporality, int scale, int offset, ulong[] counts, ulong time, ulong zeroCount = 0)
    {
        var point = new ExponentialHistogramDataPoint
        {
            TimeUnixNano = time,
            Scale = scale,
            ZeroCount = zeroCount,
            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = offset },
        };
        point.Positive.BucketCounts.AddRange(counts);
        var metric = new Metric { Name = name, Unit = unit, ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = temporality } };
        metric.ExponentialHistogram.DataPoints.Add(point);
        return metric;
    }

    public static global::Vigil.Otlp.Metrics.OtlpMetricsRequest Parse(ExportMetricsServiceRequest request)
    {
        Assert.True(global::Vigil.Otlp.Metrics.OtlpMetricsRequest.TryParse(request.ToByteArray(), global::Vigil.Otlp.Metrics.OtlpEncoding.Protobuf, out var parsed, out var problem), problem);
        return parsed;
    }
}
