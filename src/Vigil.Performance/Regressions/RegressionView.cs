using Vigil.Storage.Performance;

namespace Vigil.Performance.Regressions;

/// <summary>A regression or improvement as the API shows it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="OperationId">The operation.</param>
/// <param name="Operation">The operation's name.</param>
/// <param name="OperationKind">The operation's kind.</param>
/// <param name="Service">The operation's service, or null.</param>
/// <param name="Kind"><c>regression</c> (slower) or <c>improvement</c> (faster).</param>
/// <param name="Measure"><c>p50</c>, <c>p95</c> or <c>avg</c>: the measure the step was found in.</param>
/// <param name="State"><c>open</c> or <c>resolved</c> (regressions), <c>recorded</c> (improvements).</param>
/// <param name="StartedAt">When the step began.</param>
/// <param name="DetectedAt">When it was found.</param>
/// <param name="ResolvedAt">When the operation was back, or null.</param>
/// <param name="BeforeMs">The measure before the step.</param>
/// <param name="AfterMs">The measure after it when found.</param>
/// <param name="ChangePercent">After against before, percent.</param>
/// <param name="BaselineMs">The baseline's value of the measure, or null.</param>
/// <param name="BaselineChangePercent">After against the baseline, percent, or null.</param>
/// <param name="Confidence">1 − the step test's corrected p-value.</param>
/// <param name="VersionsBefore">The <c>version</c> labels seen before the step.</param>
/// <param name="VersionsAfter">Those seen since.</param>
public sealed record RegressionView(
    string Id, string OperationId, string Operation, string OperationKind, string? Service, string Kind, string Measure, string State,
    DateTimeOffset StartedAt, DateTimeOffset DetectedAt, DateTimeOffset? ResolvedAt, double BeforeMs, double AfterMs, double ChangePercent,
    double? BaselineMs, double? BaselineChangePercent, double Confidence, IReadOnlyList<string> VersionsBefore, IReadOnlyList<string> VersionsAfter)
{
    /// <summary>The view of a stored finding.</summary>
    public static RegressionView Of(StoredRegression r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new RegressionView(r.Id, r.OperationId, r.OperationName, r.OperationKind, r.Service, r.Kind, r.Measure, r.State,
            DateTimeOffset.FromUnixTimeMilliseconds(r.StartedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(r.DetectedAtMs),
            r.ResolvedAtMs is { } resolved ? DateTimeOffset.FromUnixTimeMilliseconds(resolved) : null,
            r.BeforeMs, r.AfterMs, r.ChangePercent, r.BaselineMs, r.BaselineChangePercent, r.Confidence,
            r.VersionsBefore?.Split(',') ?? [], r.VersionsAfter?.Split(',') ?? []);
    }
}
