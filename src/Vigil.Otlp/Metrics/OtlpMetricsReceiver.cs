using System.Globalization;
using System.Text;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Otlp.Proto.Common.V1;
using Vigil.Otlp.Proto.Metrics.V1;

namespace Vigil.Otlp.Metrics;

/// <summary>
/// Turns OTLP metrics into Vigil points: gauges and non-monotonic sums into gauges, monotonic
/// sums into counters (an increment per point: delta sums as sent, cumulative sums as the
/// difference from the series' previous value), histograms and exponential histograms into
/// timings (each bucket's count at a representative value, see <see cref="OtlpHistograms"/>).
/// Data point attributes become labels, resource and scope attributes only as
/// <see cref="OtlpOptions.ResourceAttributes"/> lists. Summaries are refused.
/// </summary>
public sealed class OtlpMetricsReceiver
{
    private const char Separator = '\u001f';
    private readonly OtlpOptions _options;
    private readonly CumulativeState _state;

    /// <summary>Creates the receiver (one per process: it keeps the cumulative series' previous values).</summary>
    public OtlpMetricsReceiver(IOptions<OtlpOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options.Value;
        _state = new CumulativeState(_options, time);
    }

    /// <summary>How many cumulative series have a previous value kept.</summary>
    public int CumulativeSeries => _state.Count;

    /// <summary>
    /// Maps an export. Data points past <paramref name="maxDataPoints"/> are refused; nothing is
    /// remembered of cumulative series until <see cref="OtlpMetricsBatch.Commit"/>.
    /// </summary>
    public OtlpMetricsBatch Map(OtlpMetricsRequest request, int maxDataPoints)
    {
        ArgumentNullException.ThrowIfNull(request);
        var batch = new OtlpMetricsBatch(_state);
        var index = 0;
        foreach (var resourceMetrics in request.Message.ResourceMetrics)
        {
            var resourceAttributes = resourceMetrics.Resource?.Attributes;
            var resourceLabels = Allowed(resourceAttributes);
            var resourceKey = Canonical(resourceAttributes);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var outerLabels = new Dictionary<string, string?>(resourceLabels, StringComparer.Ordinal);
                foreach (var (name, value) in Allowed(scopeMetrics.Scope?.Attributes))
                {
                    outerLabels.TryAdd(name, value); // the resource's win
                }

                var scopeKey = string.Concat(resourceKey, Separator.ToString(), scopeMetrics.Scope?.Name, Separator.ToString(), scopeMetrics.Scope?.Version, Separator.ToString());
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var context = new MetricContext(batch, metric, outerLabels, scopeKey + metric.Name + Separator, maxDataPoints);
                    MapMetric(context, ref index);
                }
            }
        }

        batch.DataPoints = index;
        return batch;
    }

    private void MapMetric(MetricContext context, ref int index)
    {
        var metric = context.Metric;
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    if (context.Admit(index))
                    {
                        MapNumber(context, index, point, MetricType.Gauge, AggregationTemporality.Unspecified);
                    }

                    index++;
                }

                break;
            case Metric.DataOneofCase.Sum:
                foreach (var point in metric.Sum.DataPoints)
                {
                    if (context.Admit(index))
                    {
                        MapNumber(context, index, point, metric.Sum.IsMonotonic ? MetricType.Counter : MetricType.Gauge, metric.Sum.AggregationTemporality);
                    }

                    index++;
                }

                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    if (context.Admit(index))
                    {
                        MapHistogram(context, index, point, metric.Histogram.AggregationTemporality);
                    }

                    index++;
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                foreach (var point in metric.ExponentialHistogram.DataPoints)
                {
                    if (context.Admit(index))
                    {
                        MapExponential(context, index, point, metric.ExponentialHistogram.AggregationTemporality);
                    }

                    index++;
                }

                break;
            case Metric.DataOneofCase.Summary:
                foreach (var unused in metric.Summary.DataPoints)
                {
                    context.Batch.Reject(index++, metric.Name, "summaries are not supported (their quantiles cannot be merged); send a histogram");
                }

                break;
            default:
                break;
        }
    }

    private void MapNumber(MetricContext context, int index, NumberDataPoint point, MetricType type, AggregationTemporality temporality)
    {
        if ((point.Flags & (uint)DataPointFlags.NoRecordedValueMask) != 0)
        {
            return; // the series had no value in this interval
        }

        double value;
        switch (point.ValueCase)
        {
            case NumberDataPoint.ValueOneofCase.AsDouble:
                value = point.AsDouble;
                break;
            case NumberDataPoint.ValueOneofCase.AsInt:
                value = point.AsInt;
                break;
            default:
                context.Batch.Reject(index, context.Metric.Name, "a data point has no value (as_double or as_int)");
                return;
        }

        var name = OtlpNames.MetricName(context.Metric.Name);
        if (type == MetricType.Counter)
        {
            if (!double.IsFinite(value) || value < 0)
            {
                context.Batch.Reject(index, context.Metric.Name, "a monotonic sum's value must be a finite, non-negative number");
                return;
            }

            switch (temporality)
            {
                case AggregationTemporality.Delta:
                    break;
                case AggregationTemporality.Cumulative:
                    var increment = Increment(context, index, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, [value], CumulativeState.Shape.Scalar);
                    if (increment is null)
                    {
                        return;
                    }

                    value = increment[0];
                    break;
                default:
                    context.Batch.Reject(index, context.Metric.Name, "a sum needs its aggregation_temporality (delta or cumulative)");
                    return;
            }
        }

        context.Batch.Add([new OtlpPoint(index, name, type, value, context.Labels(point.Attributes), TimestampMs(point.TimeUnixNano), 1)]);
    }

    private void MapHistogram(MetricContext context, int index, HistogramDataPoint point, AggregationTemporality temporality)
    {
        if ((point.Flags & (uint)DataPointFlags.NoRecordedValueMask) != 0)
        {
            return;
        }

        var counts = new double[point.BucketCounts.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = point.BucketCounts[i];
        }

        var bounds = point.ExplicitBounds.ToArray();
        if (OtlpHistograms.CheckExplicit(bounds, counts.Length) is { } problem)
        {
            context.Batch.Reject(index, context.Metric.Name, problem);
            return;
        }

        var observed = Observed(context, index, temporality, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, counts, new CumulativeState.Shape(bounds));
        if (observed is null)
        {
            return;
        }

        var values = OtlpHistograms.Explicit(bounds, observed, point.HasMin ? point.Min : null, point.HasMax ? point.Max : null,
            point.HasSum && point.Count > 0 ? point.Sum / point.Count : null);
        AddTimings(context, index, point.Attributes, point.TimeUnixNano, values);
    }

    private void MapExponential(MetricContext context, int index, ExponentialHistogramDataPoint point, AggregationTemporality temporality)
    {
        if ((point.Flags & (uint)DataPointFlags.NoRecordedValueMask) != 0)
        {
            return;
        }

        if (point.Negative is { } negative && negative.BucketCounts.Any(c => c > 0))
        {
            context.Batch.Reject(index, context.Metric.Name, "negative values cannot be timings (a timing is a duration)");
            return;
        }

        if (point.Scale is < OtlpHistograms.MinScale or > OtlpHistograms.MaxScale)
        {
            context.Batch.Reject(index, context.Metric.Name, string.Create(CultureInfo.InvariantCulture,
                $"scale must be between {OtlpHistograms.MinScale} and {OtlpHistograms.MaxScale}"));
            return;
        }

        var positive = point.Positive?.BucketCounts ?? [];
        var counts = new double[positive.Count + 1];
        counts[0] = point.ZeroCount;
        for (var i = 0; i < positive.Count; i++)
        {
            counts[i + 1] = positive[i];
        }

        var offset = point.Positive?.Offset ?? 0;
        var observed = Observed(context, index, temporality, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, counts, new CumulativeState.Shape([], point.Scale, offset));
        if (observed is null)
        {
            return;
        }

        var values = OtlpHistograms.Exponential(point.Scale, offset, observed, point.HasMin ? point.Min : null, point.HasMax ? point.Max : null);
        AddTimings(context, index, point.Attributes, point.TimeUnixNano, values);
    }

    /// <summary>The counts observed in the interval: as sent for delta temporality, the increment for cumulative; null when there is nothing to record.</summary>
    private double[]? Observed(MetricContext context, int index, AggregationTemporality temporality, RepeatedField<KeyValue> attributes, ulong startNano, ulong timeNano, double[] counts, CumulativeState.Shape shape)
    {
        switch (temporality)
        {
            case AggregationTemporality.Delta:
                return counts;
            case AggregationTemporality.Cumulative:
                return Increment(context, index, attributes, startNano, timeNano, counts, shape);
            default:
                context.Batch.Reject(index, context.Metric.Name, "a histogram needs its aggregation_temporality (delta or cumulative)");
                return null;
        }
    }

    private double[]? Increment(MetricContext context, int index, RepeatedField<KeyValue> attributes, ulong startNano, ulong timeNano, double[] counts, CumulativeState.Shape shape)
    {
        var key = context.Key + Canonical(attributes);
        var current = new CumulativeState.Snapshot(startNano, timeNano, counts, shape);
        var previous = context.Batch.Previous(key);
        if (previous is null)
        {
            if (!_state.HasRoomFor(key))
            {
                context.Batch.Reject(index, context.Metric.Name, string.Create(CultureInfo.InvariantCulture,
                    $"{_options.MaxCumulativeSeries} cumulative series are tracked already (Vigil:Otlp:MaxCumulativeSeries); send delta temporality or raise the bound"));
                return null;
            }

            context.Batch.Remember(index, key, current);
            return null; // the first value only establishes the start
        }

        var increment = CumulativeState.Increment(previous, current);
        if (increment is not null)
        {
            context.Batch.Remember(index, key, current);
        }

        return increment;
    }

    private static void AddTimings(MetricContext context, int index, RepeatedField<KeyValue> attributes, ulong timeNano, OtlpHistograms.Values values)
    {
        if (values.Problem is { } problem)
        {
            context.Batch.Reject(index, context.Metric.Name, problem);
            return;
        }

        var factor = OtlpNames.ToMilliseconds(context.Metric.Unit);
        var name = OtlpNames.MetricName(context.Metric.Name);
        if (factor is not null && !name.EndsWith(OtlpNames.MillisecondsSuffix, StringComparison.Ordinal))
        {
            name += OtlpNames.MillisecondsSuffix;
        }

        var labels = context.Labels(attributes);
        var timestamp = TimestampMs(timeNano);
        var points = new List<OtlpPoint>(values.Buckets.Count);
        foreach (var (value, count) in values.Buckets)
        {
            if (count > int.MaxValue)
            {
                context.Batch.Reject(index, context.Metric.Name, "a bucket count is larger than 2147483647");
                return;
            }

            points.Add(new OtlpPoint(index, name, MetricType.Timing, value * (factor ?? 1), labels, timestamp, (int)count));
        }

        context.Batch.Add(points);
    }

    private static long? TimestampMs(ulong nano) => nano == 0 ? null : (long)(nano / 1_000_000);

    /// <summary>The resource or scope attributes the allow-list names, as labels.</summary>
    private Dictionary<string, string?> Allowed(RepeatedField<KeyValue>? attributes)
    {
        var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (attributes is null)
        {
            return labels;
        }

        foreach (var attribute in attributes)
        {
            _options.ResourceAttributes.TryGetValue(attribute.Key, out var label);
            if (attribute.Key == OtlpOptions.ServiceName && string.IsNullOrEmpty(label))
            {
                label = "service";
            }

            if (!string.IsNullOrEmpty(label))
            {
                labels[OtlpNames.LabelName(label)] = OtlpNames.LabelValue(attribute.Value);
            }
        }

        return labels;
    }

    /// <summary>Attributes in a canonical form (sorted by key), for the identity of a cumulative series.</summary>
    private static string Canonical(RepeatedField<KeyValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return "";
        }

        var builder = new StringBuilder();
        foreach (var attribute in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            builder.Append(attribute.Key).Append('=').Append(OtlpNames.LabelValue(attribute.Value)).Append(Separator);
        }

        return builder.ToString();
    }

    /// <summary>What the data points of one metric share.</summary>
    private sealed class MetricContext(OtlpMetricsBatch batch, Metric metric, Dictionary<string, string?> outerLabels, string key, int maxDataPoints)
    {
        public OtlpMetricsBatch Batch { get; } = batch;

        public Metric Metric { get; } = metric;

        /// <summary>The start of the identity of the metric's cumulative series: resource, scope and metric name.</summary>
        public string Key { get; } = key;

        /// <summary>Whether the data point at <paramref name="index"/> is within the batch limit (refused otherwise).</summary>
        public bool Admit(int index)
        {
            if (index < maxDataPoints)
            {
                return true;
            }

            Batch.Reject(index, Metric.Name, string.Create(CultureInfo.InvariantCulture,
                $"the export holds more than {maxDataPoints} data points (Vigil:Metrics:MaxPointsPerBatch); send smaller batches"));
            return false;
        }

        /// <summary>
        /// The labels of a data point: the allowed resource and scope attributes, then the data
        /// point's attributes (which win). Two attributes whose names sanitise alike are joined with <c>;</c>.
        /// </summary>
        public Dictionary<string, string?> Labels(RepeatedField<KeyValue> attributes)
        {
            var labels = new Dictionary<string, string?>(outerLabels, StringComparer.Ordinal);
            HashSet<string>? own = null;
            foreach (var attribute in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                var name = OtlpNames.LabelName(attribute.Key);
                var value = OtlpNames.LabelValue(attribute.Value);
                own ??= new HashSet<string>(StringComparer.Ordinal);
                labels[name] = own.Add(name) ? value : labels[name] + ";" + value;
            }

            return labels;
        }
    }
}
