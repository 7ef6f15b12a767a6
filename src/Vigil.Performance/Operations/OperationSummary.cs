using System.Text.Json;

namespace Vigil.Performance.Operations;

/// <summary>
/// What an analysis found about an operation, stored with it: its figures over the last 24
/// complete hours, its trends over 24 hours and 7 days (each period against the one before) and
/// the bottleneck its last 24 hours show.
/// </summary>
/// <param name="Last24h">Figures of the last 24 hours, or null when it did not run in them.</param>
/// <param name="Trend24h">The last 24 hours against the 24 before, or null without enough executions in both.</param>
/// <param name="Trend7d">The last 7 days against the 7 before, or null without enough executions in both.</param>
/// <param name="Bottleneck">The bottleneck of the last 24 hours, or null.</param>
/// <param name="AnalyzedAt">When the analysis ran.</param>
public sealed record OperationSummary(OperationFigures? Last24h, OperationTrend? Trend24h, OperationTrend? Trend7d, Bottleneck? Bottleneck, DateTimeOffset AnalyzedAt)
{
    /// <summary>How summaries are stored: camelCase (the enums are words by their own attributes).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>The stored form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a stored summary; null for null.</summary>
    public static OperationSummary? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<OperationSummary>(json, Json);
}
