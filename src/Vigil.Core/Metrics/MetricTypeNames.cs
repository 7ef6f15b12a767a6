namespace Vigil.Core.Metrics;

/// <summary>Names of <see cref="MetricType"/> as they appear on the wire.</summary>
public static class MetricTypeNames
{
    /// <summary>The wire name of a metric type: <c>counter</c>, <c>gauge</c> or <c>timing</c>.</summary>
    public static string ToWire(this MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        _ => "timing",
    };

    /// <summary>Parses a wire name; case-sensitive, as the API is.</summary>
    public static bool TryParse(string? value, out MetricType type)
    {
        switch (value)
        {
            case "counter": type = MetricType.Counter; return true;
            case "gauge": type = MetricType.Gauge; return true;
            case "timing": type = MetricType.Timing; return true;
            default: type = default; return false;
        }
    }
}
