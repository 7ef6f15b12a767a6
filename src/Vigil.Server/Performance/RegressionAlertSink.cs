using Vigil.Core.Alerts;
using Vigil.Performance.Regressions;
using Vigil.Server.Alerts;

namespace Vigil.Server.Performance;

/// <summary>
/// Regressions into the alert engine: an open regression is the <c>performance_regression</c>
/// rule's condition holding for the operation's group (the measure now against the level before
/// plus the change that counts), with what happened as the alert's reason; back, it clears.
/// </summary>
internal sealed class RegressionAlertSink(AlertEngine engine) : IRegressionAlertSink
{
    public Task ReportAsync(RegressionAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var outcome = new GroupEvaluation(alert.Group, alert.Open ? ConditionState.Met : ConditionState.NotMet, alert.Value, alert.Threshold, 1, Recovered: !alert.Open)
        {
            Reason = alert.Reason,
        };
        return engine.ApplyConditionsAsync(RegressionAlert.RuleId, [outcome], exclusive: false, cancellationToken);
    }
}
