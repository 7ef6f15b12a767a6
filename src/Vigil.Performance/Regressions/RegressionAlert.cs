using Vigil.Core.Metrics;

namespace Vigil.Performance.Regressions;

/// <summary>
/// A regression's condition for the <c>performance_regression</c> alert: open (the operation got
/// slower, with why) or resolved (it is back). The host turns it into the alert lifecycle.
/// </summary>
/// <param name="OperationId">The operation's id.</param>
/// <param name="OperationName">Its name.</param>
/// <param name="OperationKind">Its kind (<c>route</c>, <c>job</c>, …).</param>
/// <param name="Service">Its service, or null.</param>
/// <param name="Open">Whether the regression holds.</param>
/// <param name="Reason">What happened, in words.</param>
/// <param name="Value">The measure now, ms.</param>
/// <param name="Threshold">The level it crossed: the value before the step plus the change that counts, ms.</param>
public sealed record RegressionAlert(string OperationId, string OperationName, string OperationKind, string? Service, bool Open, string Reason, double Value, double Threshold)
{
    /// <summary>The condition to report.</summary>
    public PerformanceCondition Condition => new(RuleId, Group, Open, Reason, Value, Threshold);

    /// <summary>The id of the rule whose alerts regressions raise.</summary>
    public const string RuleId = "performance_regression";

    /// <summary>
    /// The alert's group: <c>operation</c>, <c>operation_id</c>, <c>alert_type</c> (seed 004:
    /// <c>route_performance</c> for endpoints, <c>generation_performance</c> for jobs, else
    /// <c>&lt;kind&gt;_performance</c>) and <c>service</c> when there is one.
    /// </summary>
    public LabelSet Group
    {
        get
        {
            var labels = new List<KeyValuePair<string, string>>
            {
                new("operation", OperationName),
                new("operation_id", OperationId),
                new("alert_type", OperationKind switch { "job" => "generation_performance", _ => OperationKind + "_performance" }),
            };
            if (Service is not null)
            {
                labels.Add(new("service", Service));
            }

            return LabelSet.From(labels);
        }
    }
}

/// <summary>
/// A condition performance tracking judges itself, for one of its rules (a regression's
/// <c>performance_regression</c>, an objective's burn-rate rules): holding for a group, with why,
/// or cleared.
/// </summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Group">The alert's group labels.</param>
/// <param name="Open">Whether the condition holds.</param>
/// <param name="Reason">What happened, in words.</param>
/// <param name="Value">The value judged.</param>
/// <param name="Threshold">The level it crossed.</param>
public sealed record PerformanceCondition(string RuleId, LabelSet Group, bool Open, string Reason, double Value, double Threshold);

/// <summary>Where performance tracking's conditions go: the host runs them through the alert engine's lifecycle.</summary>
public interface IPerformanceAlertSink
{
    /// <summary>Reports a condition that started or stopped holding.</summary>
    Task ReportAsync(PerformanceCondition condition, CancellationToken cancellationToken = default);

    /// <summary>Reports every group of <paramref name="ruleId"/> whose condition holds (all of them open): the rule's other open alerts resolve.</summary>
    Task ReconcileAsync(string ruleId, IReadOnlyList<PerformanceCondition> holding, CancellationToken cancellationToken = default);
}
