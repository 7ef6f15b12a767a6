namespace Vigil.Core.Metrics;

/// <summary>One validated point on its way into the store.</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Type">Metric type.</param>
/// <param name="Value">Finite value (non-negative for timings).</param>
/// <param name="Labels">Labels.</param>
/// <param name="TimestampMs">Unix milliseconds.</param>
/// <param name="Count">
/// How many observations of <paramref name="Value"/> the point stands for: 1 for a point as
/// sent; more for a bucket of a pre-aggregated distribution (an OTLP histogram), recorded in
/// one step instead of <paramref name="Count"/> points.
/// </param>
public readonly record struct MetricPoint(string Name, MetricType Type, double Value, LabelSet Labels, long TimestampMs, int Count = 1);
