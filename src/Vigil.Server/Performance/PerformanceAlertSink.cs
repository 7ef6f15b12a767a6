using Vigil.Core.Alerts;
using Vigil.Performance.Regressions;
using Vigil.Server.Alerts;

namespace Vigil.Server.Performance;

/// <summary>
/// Performance tracking's conditions into the alert engine: an open regression is the
/// <c>performance_regression</c> rule's condition holding for the operation's group, an
/// objective burning its budget too fast the burn-rate rules' for the objective's group; each
/// with what happened as the alert's reason. Cleared, the alert resolves.
/// </summary>
internal sealed class PerformanceAlertSink(AlertEngine engine) : IPerformanceAlertSink
{
    public Task ReportAsync(PerformanceCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return engine.ApplyConditionsAsync(condition.RuleId, [Outcome(condition)], exclusive: false, cancellationToken);
    }

    public Task ReconcileAsync(string ruleId, IReadOnlyList<PerformanceCondition> holding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holding);
        return engine.ApplyConditionsAsync(ruleId, [.. holding.Select(Outcome)], exclusive: true, cancellationToken);
    }

    private static GroupEvaluation Outcome(PerformanceCondition condition) =>
        GroupEvaluation.External(condition.Group, condition.Open, condition.Value, condition.Threshold, condition.Reason);
}
