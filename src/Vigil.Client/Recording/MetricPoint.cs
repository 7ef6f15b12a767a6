namespace Vigil.Client;

/// <summary>A validated metric point waiting to be sent. <see cref="Labels"/> is owned by the point (a copy).</summary>
internal readonly record struct MetricPoint(
    string Name,
    MetricKind Kind,
    double Value,
    KeyValuePair<string, string>[]? Labels,
    DateTimeOffset Timestamp);
