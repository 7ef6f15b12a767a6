using System.Text.Json.Serialization;

namespace Vigil.Performance.Slos;

/// <summary>What an objective counts as a good event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SloKind>))]
public enum SloKind
{
    /// <summary>Executions of a timing metric at or under <see cref="SloDefinition.ThresholdMs"/> (a p95 target of 500 ms is "95 % of requests within 500 ms").</summary>
    [JsonStringEnumMemberName("latency")]
    Latency,

    /// <summary>Executions of a timing metric that did not fail (a 5xx or error status).</summary>
    [JsonStringEnumMemberName("errors")]
    Errors,

    /// <summary>Minutes of each series of a gauge whose value meets <see cref="SloDefinition.Comparison"/> <see cref="SloDefinition.Threshold"/> (uptime, heap, cache hit rate).</summary>
    [JsonStringEnumMemberName("gauge")]
    Gauge,
}

/// <summary>How a gauge's minute is judged good.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SloComparison>))]
public enum SloComparison
{
    /// <summary>Good below the threshold.</summary>
    [JsonStringEnumMemberName("less_than")]
    LessThan,

    /// <summary>Good above the threshold.</summary>
    [JsonStringEnumMemberName("greater_than")]
    GreaterThan,
}

/// <summary>
/// A service-level objective: the share of good events (see <see cref="SloKind"/>) that must hold
/// over a rolling window; what may go bad is its error budget.
/// </summary>
/// <param name="Name">Its name.</param>
/// <param name="Kind">What a good event is.</param>
/// <param name="Metric">The metric it counts.</param>
/// <param name="Match">Labels a series must have to count (empty: every series of the metric).</param>
/// <param name="ThresholdMs">For <see cref="SloKind.Latency"/>: the duration a good execution stays within.</param>
/// <param name="Comparison">For <see cref="SloKind.Gauge"/>: which side of <paramref name="Threshold"/> is good.</param>
/// <param name="Threshold">For <see cref="SloKind.Gauge"/>: the value a good minute stays on the right side of.</param>
/// <param name="ObjectivePercent">The share of good events to hold, percent (99.9).</param>
/// <param name="WindowDays">The rolling window, days.</param>
/// <param name="Enabled">Whether it is tracked and alerts.</param>
public sealed record SloDefinition(
    string Name, SloKind Kind, string Metric, IReadOnlyDictionary<string, string> Match, double? ThresholdMs, SloComparison? Comparison, double? Threshold,
    double ObjectivePercent, int WindowDays, bool Enabled)
{
    /// <summary>The share of events that may be bad: 1 − objective.</summary>
    public double BudgetFraction => 1 - (ObjectivePercent / 100);
}
