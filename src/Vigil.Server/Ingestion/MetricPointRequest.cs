namespace Vigil.Server.Ingestion;

/// <summary>One point as sent.</summary>
public sealed class MetricPointRequest
{
    /// <summary>Metric name, <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public string? Name { get; set; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>timing</c> (milliseconds).</summary>
    public string? Type { get; set; }

    /// <summary>A finite number; not negative for timings.</summary>
    public double? Value { get; set; }

    /// <summary>Labels: names <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, string values.</summary>
    public Dictionary<string, string?>? Labels { get; set; }

    /// <summary>When the point was measured (ISO-8601); now when absent.</summary>
    public DateTimeOffset? Timestamp { get; set; }
}
