namespace Vigil.Client;

/// <summary>A validated metric point waiting to be sent. <see cref="Labels"/> is owned by the point (a copy).</summary>
internal readonly record struct MetricPoint(
    string Name,
    MetricKind Kind,
    double Value,
    KeyValuePair<string, string>[]? Labels,
    DateTimeOffset Timestamp);

/// <summary>A validated job execution waiting to be sent. <see cref="Metadata"/> is owned by the execution (a copy).</summary>
internal readonly record struct JobExecution(
    string JobId,
    bool Success,
    double DurationMs,
    KeyValuePair<string, string>[]? Metadata,
    DateTimeOffset Timestamp);
