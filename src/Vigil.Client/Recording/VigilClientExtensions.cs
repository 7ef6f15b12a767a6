namespace Vigil.Client;

/// <summary>
/// Shorthands for recording the common kinds of metric with an <see cref="IVigilClient"/>.
/// Like <see cref="IVigilClient.RecordMetric"/>, they drop invalid input instead of throwing.
/// </summary>
public static class VigilClientExtensions
{
    /// <summary>Records an increment of the counter <paramref name="name"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="name">The metric name.</param>
    /// <param name="labels">Optional labels.</param>
    /// <param name="by">The increment.</param>
    public static void Increment(this IVigilClient client, string name, IReadOnlyDictionary<string, string>? labels = null, double by = 1)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.RecordMetric(name, MetricKind.Counter, by, labels);
    }

    /// <summary>Records the current level of the gauge <paramref name="name"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="name">The metric name.</param>
    /// <param name="value">The level.</param>
    /// <param name="labels">Optional labels.</param>
    public static void Gauge(this IVigilClient client, string name, double value, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.RecordMetric(name, MetricKind.Gauge, value, labels);
    }

    /// <summary>Records a duration, in milliseconds, for the timing <paramref name="name"/>.</summary>
    /// <param name="client">The client.</param>
    /// <param name="name">The metric name.</param>
    /// <param name="milliseconds">The duration in milliseconds.</param>
    /// <param name="labels">Optional labels.</param>
    public static void Timing(this IVigilClient client, string name, double milliseconds, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.RecordMetric(name, MetricKind.Timing, milliseconds, labels);
    }

    /// <summary>Records a duration for the timing <paramref name="name"/> (sent in milliseconds).</summary>
    /// <param name="client">The client.</param>
    /// <param name="name">The metric name.</param>
    /// <param name="duration">The duration.</param>
    /// <param name="labels">Optional labels.</param>
    public static void Timing(this IVigilClient client, string name, TimeSpan duration, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.RecordMetric(name, MetricKind.Timing, duration.TotalMilliseconds, labels);
    }
}
