using Vigil.Core.Metrics;

namespace Vigil.Otlp.Metrics;

/// <summary>
/// A Vigil point made from an OTLP data point, before Vigil's point validation: names and
/// label names already sanitised (dots to underscores), values in Vigil's units.
/// </summary>
/// <param name="DataPoint">Index of the OTLP data point it came from (one data point may make several points: a histogram's buckets).</param>
/// <param name="Name">Metric name.</param>
/// <param name="Type">Vigil's metric type.</param>
/// <param name="Value">The value (an increment for counters, milliseconds for timings).</param>
/// <param name="Labels">Labels.</param>
/// <param name="TimestampMs">Unix milliseconds, or null when the data point carries no time.</param>
/// <param name="Count">Observations of <paramref name="Value"/> the point stands for (a histogram bucket's count).</param>
public readonly record struct OtlpPoint(int DataPoint, string Name, MetricType Type, double Value, Dictionary<string, string?> Labels, long? TimestampMs, int Count);
