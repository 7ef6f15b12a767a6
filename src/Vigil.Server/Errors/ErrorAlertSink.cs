using Vigil.Core.Alerts;
using Vigil.Errors.Issues;
using Vigil.Server.Alerts;

namespace Vigil.Server.Errors;

/// <summary>
/// Error tracking's conditions into the alert engine: a new issue, a regression or a spike is its
/// rule's condition holding for the issue's group (<c>issue_id</c>, <c>service</c>), with what
/// happened as the alert's reason; the issue resolved or ignored, or the spike over, it clears.
/// </summary>
internal sealed class ErrorAlertSink(AlertEngine engine) : IErrorAlertSink
{
    public Task ReportAsync(ErrorCondition condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return engine.ApplyConditionsAsync(condition.RuleId,
            [GroupEvaluation.External(condition.Group, condition.Open, condition.Value, condition.Threshold, condition.Reason)], exclusive: false, cancellationToken);
    }
}
