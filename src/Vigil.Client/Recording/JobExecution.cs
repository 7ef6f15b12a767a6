namespace Vigil.Client;

/// <summary>A validated job execution waiting to be sent. <see cref="Metadata"/> is owned by the execution (a copy).</summary>
internal readonly record struct JobExecution(
    string JobId,
    bool Success,
    double DurationMs,
    KeyValuePair<string, string>[]? Metadata,
    DateTimeOffset Timestamp);
