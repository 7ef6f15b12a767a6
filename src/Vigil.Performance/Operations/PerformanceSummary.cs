using Vigil.Performance.Regressions;

namespace Vigil.Performance.Operations;

/// <summary>Counts over every operation: how many, with a baseline, regressed, trending, holding things up.</summary>
/// <param name="Operations">Operations found.</param>
/// <param name="WithBaseline">Of them, those with a baseline (10 executions summed).</param>
/// <param name="OpenRegressions">Those with an open regression.</param>
/// <param name="Degrading">Those whose 24-hour trend is degrading.</param>
/// <param name="Improving">Those whose 24-hour trend is improving.</param>
/// <param name="Bottlenecks">Those that are bottlenecks over the last 24 hours.</param>
/// <param name="AnalyzedAt">When the latest analysis ran, or null before the first.</param>
public sealed record PerformanceSnapshot(int Operations, int WithBaseline, int OpenRegressions, int Degrading, int Improving, int Bottlenecks, DateTimeOffset? AnalyzedAt);

/// <summary>An operation's 24-hour trend, in the summary's list of the largest changes.</summary>
/// <param name="Id">The operation's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Service">Its service, or null.</param>
/// <param name="Trend">The trend.</param>
public sealed record TrendEntry(string Id, string Name, string Kind, string? Service, OperationTrend Trend);

/// <summary>An operation among the slowest: its p95 and average over the last 24 hours (or the last hour when it has no analysis yet).</summary>
/// <param name="Id">The operation's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Service">Its service, or null.</param>
/// <param name="Figures">Its figures.</param>
/// <param name="Period"><c>24h</c> or <c>1h</c>: which figures these are.</param>
/// <param name="Bottleneck">Its bottleneck, or null.</param>
public sealed record SlowestEntry(string Id, string Name, string Kind, string? Service, OperationFigures Figures, string Period, Bottleneck? Bottleneck);

/// <summary>
/// The seed-002 <c>performance</c> block of <c>GET /api/v1/metrics</c>: a snapshot of counts, the
/// operations whose 24-hour trend moved most (degrading first), the slowest operations by p95,
/// and the open regressions (largest first).
/// </summary>
/// <param name="Snapshot">Counts over every operation.</param>
/// <param name="Trends">Up to <see cref="ListSize"/> operations whose 24-hour trend is not stable, degrading first, largest change first.</param>
/// <param name="Slowest">Up to <see cref="ListSize"/> operations, slowest p95 first.</param>
/// <param name="Regressions">Up to <see cref="ListSize"/> open regressions, largest change first.</param>
public sealed record PerformanceSummary(PerformanceSnapshot Snapshot, IReadOnlyList<TrendEntry> Trends, IReadOnlyList<SlowestEntry> Slowest, IReadOnlyList<RegressionView> Regressions)
{
    /// <summary>How many entries each list holds at most.</summary>
    public const int ListSize = 10;

    /// <summary>The summary of <paramref name="operations"/> (as <see cref="OperationsView.ListAsync"/> returns them).</summary>
    public static PerformanceSummary Of(IReadOnlyList<OperationView> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var snapshot = new PerformanceSnapshot(
            operations.Count,
            operations.Count(o => o.Baseline is not null),
            operations.Count(o => o.Regression is not null),
            operations.Count(o => o.Summary?.Trend24h?.Direction == TrendDirection.Degrading),
            operations.Count(o => o.Summary?.Trend24h?.Direction == TrendDirection.Improving),
            operations.Count(o => o.Summary?.Bottleneck is not null),
            operations.Select(o => o.Summary?.AnalyzedAt).Max());
        var trends = operations
            .Where(o => o.Summary?.Trend24h is { Direction: not TrendDirection.Stable })
            .OrderBy(o => o.Summary!.Trend24h!.Direction == TrendDirection.Degrading ? 0 : 1)
            .ThenByDescending(o => Math.Abs(o.Summary!.Trend24h!.ChangePercent))
            .Take(ListSize)
            .Select(o => new TrendEntry(o.Id, o.Name, o.Kind, o.Service, o.Summary!.Trend24h!))
            .ToArray();
        var slowest = operations
            .Select(o => (Operation: o, Figures: o.Summary?.Last24h ?? o.Current?.Figures, Period: o.Summary?.Last24h is not null ? "24h" : "1h"))
            .Where(e => e.Figures?.P95Ms is not null)
            .OrderByDescending(e => e.Figures!.P95Ms)
            .Take(ListSize)
            .Select(e => new SlowestEntry(e.Operation.Id, e.Operation.Name, e.Operation.Kind, e.Operation.Service, e.Figures!, e.Period, e.Operation.Summary?.Bottleneck))
            .ToArray();
        var regressions = operations
            .Where(o => o.Regression is not null)
            .Select(o => o.Regression!)
            .OrderByDescending(r => r.ChangePercent)
            .Take(ListSize)
            .ToArray();
        return new PerformanceSummary(snapshot, trends, slowest, regressions);
    }
}
