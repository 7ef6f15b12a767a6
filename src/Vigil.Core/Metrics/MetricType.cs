namespace Vigil.Core.Metrics;

/// <summary>The kind of a metric series.</summary>
public enum MetricType
{
    /// <summary>Each point is an increment (a count of events or an amount).</summary>
    Counter,

    /// <summary>Each point is the current value of something (a queue depth, a temperature).</summary>
    Gauge,

    /// <summary>Each point is a duration in milliseconds; quantiles are kept for these.</summary>
    Timing,
}
