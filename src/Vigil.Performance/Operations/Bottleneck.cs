using System.Globalization;
using System.Text.Json.Serialization;

namespace Vigil.Performance.Operations;

/// <summary>How bad a bottleneck is (seed 002: medium, high).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BottleneckSeverity>))]
public enum BottleneckSeverity
{
    /// <summary>Executions average over 60 s, or over 25 % fail.</summary>
    [JsonStringEnumMemberName("medium")]
    Medium,

    /// <summary>Executions average over 120 s, or over 50 % fail.</summary>
    [JsonStringEnumMemberName("high")]
    High,
}

/// <summary>
/// An operation that holds things up, by seed 002's rules over a period's figures: an average
/// duration over 60 s (medium) or 120 s (high), a failure rate over 25 % (medium) or 50 % (high).
/// The worse of the two is the severity; every rule that applies is a reason.
/// </summary>
/// <param name="Severity">Medium or high.</param>
/// <param name="Reasons">Why, one sentence per rule that applies.</param>
public sealed record Bottleneck(BottleneckSeverity Severity, IReadOnlyList<string> Reasons)
{
    /// <summary>The seed's thresholds: average duration (ms) and failure rate (percent), medium then high.</summary>
    public const double SlowMs = 60_000, VerySlowMs = 120_000, FailingPercent = 25, MostlyFailingPercent = 50;

    /// <summary>The bottleneck <paramref name="figures"/> show, or null (also when they hold fewer than <paramref name="minExecutions"/> executions).</summary>
    public static Bottleneck? Of(OperationFigures? figures, int minExecutions)
    {
        if (figures is null || figures.Executions < minExecutions)
        {
            return null;
        }

        var reasons = new List<string>();
        BottleneckSeverity? severity = null;
        if (figures.AvgMs > SlowMs)
        {
            var high = figures.AvgMs > VerySlowMs;
            severity = high ? BottleneckSeverity.High : BottleneckSeverity.Medium;
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"executions average {figures.AvgMs / 1000:0.#} s (over {(high ? VerySlowMs : SlowMs) / 1000:0} s)"));
        }

        if (figures.FailureRate > FailingPercent)
        {
            var high = figures.FailureRate > MostlyFailingPercent;
            severity = high || severity == BottleneckSeverity.High ? BottleneckSeverity.High : BottleneckSeverity.Medium;
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"{figures.FailureRate:0.#} % of executions fail (over {(high ? MostlyFailingPercent : FailingPercent):0} %)"));
        }

        return severity is { } found ? new Bottleneck(found, reasons) : null;
    }
}
