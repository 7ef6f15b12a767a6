using System.Text.Json.Serialization;

namespace Vigil.Performance.Operations;

/// <summary>Which way an operation's p95 went from one period to the next (seed 002: improving, stable, degrading).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrendDirection>))]
public enum TrendDirection
{
    /// <summary>Faster by more than the change that counts.</summary>
    [JsonStringEnumMemberName("improving")]
    Improving,

    /// <summary>Within the change that counts, either way.</summary>
    [JsonStringEnumMemberName("stable")]
    Stable,

    /// <summary>Slower by more than the change that counts.</summary>
    [JsonStringEnumMemberName("degrading")]
    Degrading,
}

/// <summary>An operation's trend over a period: its p95 in the period against the period before, when both had enough executions.</summary>
/// <param name="Direction">Improving, stable or degrading.</param>
/// <param name="P95Ms">The p95 of the period.</param>
/// <param name="PreviousP95Ms">The p95 of the period before.</param>
/// <param name="ChangePercent">The change from the one to the other, percent, one decimal.</param>
public sealed record OperationTrend(TrendDirection Direction, double P95Ms, double PreviousP95Ms, double ChangePercent)
{
    /// <summary>
    /// The trend from <paramref name="previous"/> to <paramref name="current"/>: null unless both
    /// have a p95 from at least <paramref name="minExecutions"/> executions; degrading or improving
    /// when the p95 moved by more than <paramref name="changePercent"/> percent.
    /// </summary>
    public static OperationTrend? Between(OperationFigures? previous, OperationFigures? current, int minExecutions, double changePercent)
    {
        if (previous is not { P95Ms: > 0 and var before } || current is not { P95Ms: { } after } || previous.Executions < minExecutions || current.Executions < minExecutions)
        {
            return null;
        }

        var change = 100 * (after - before) / before;
        var direction = change > changePercent ? TrendDirection.Degrading : change < -changePercent ? TrendDirection.Improving : TrendDirection.Stable;
        return new OperationTrend(direction, after, before, Math.Round(change, 1));
    }
}
