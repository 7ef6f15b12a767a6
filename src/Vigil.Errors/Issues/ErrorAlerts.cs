using Vigil.Core.Metrics;
using Vigil.Storage.Errors;

namespace Vigil.Errors.Issues;

/// <summary>
/// A condition error tracking judges itself, for one of its rules: <c>error_new_issue</c> (an
/// issue was created), <c>error_regression</c> (a resolved issue had a new event) or
/// <c>error_spike</c> (an issue's last 5 minutes are far above its baseline); holding for the
/// issue's group, with why, or cleared (the issue resolved or ignored, the spike over).
/// </summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Group">The alert's group: <c>issue_id</c>, and <c>service</c> when known.</param>
/// <param name="Open">Whether the condition holds.</param>
/// <param name="Reason">What happened, in words.</param>
/// <param name="Value">The value judged (events).</param>
/// <param name="Threshold">The level it crossed.</param>
public sealed record ErrorCondition(string RuleId, LabelSet Group, bool Open, string Reason, double Value, double Threshold)
{
    /// <summary>A new issue.</summary>
    public const string NewIssueRuleId = "error_new_issue";

    /// <summary>A resolved issue seen again.</summary>
    public const string RegressionRuleId = "error_regression";

    /// <summary>An issue's events far above its baseline.</summary>
    public const string SpikeRuleId = "error_spike";

    /// <summary>The three rules.</summary>
    public static readonly IReadOnlyList<string> RuleIds = [NewIssueRuleId, RegressionRuleId, SpikeRuleId];

    /// <summary>An issue's alert group.</summary>
    public static LabelSet GroupOf(StoredIssue issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var labels = new List<KeyValuePair<string, string>> { new("issue_id", issue.Id) };
        if (issue.Service is { Length: > 0 } service)
        {
            labels.Add(new("service", service));
        }

        return LabelSet.From(labels);
    }
}

/// <summary>Where error tracking's conditions go: the host runs them through the alert engine's lifecycle.</summary>
public interface IErrorAlertSink
{
    /// <summary>Reports a condition that started or stopped holding.</summary>
    Task ReportAsync(ErrorCondition condition, CancellationToken cancellationToken = default);
}

/// <summary>No alerts (a host without an alert engine).</summary>
internal sealed class NoErrorAlerts : IErrorAlertSink
{
    public Task ReportAsync(ErrorCondition condition, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
