using System.Reflection;
using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Notifications.Privacy;

namespace Vigil.Notifications.Delivery;

/// <summary>
/// One alert notification: the SPEC §4 webhook body, plus what chat and email show besides
/// (<see cref="Description"/>, <see cref="AcknowledgeUrl"/>).
/// </summary>
/// <param name="AlertId">The alert's id.</param>
/// <param name="AlertName">The rule's name, for people.</param>
/// <param name="Status">What happened: <c>firing</c>, <c>acknowledged</c>, <c>escalated</c>, <c>resolved</c> or <c>repeat</c>.</param>
/// <param name="Severity">The alert's severity at the time.</param>
/// <param name="MetricName">The metric the rule watches.</param>
/// <param name="MetricValue">The value that crossed the threshold.</param>
/// <param name="ThresholdValue">The threshold, or <see langword="null"/> when there is none (no data).</param>
/// <param name="TriggeredAt">When the alert started firing.</param>
public sealed record AlertNotification(
    string AlertId,
    string AlertName,
    IntentKind Status,
    Severity Severity,
    string MetricName,
    double MetricValue,
    double? ThresholdValue,
    DateTimeOffset TriggeredAt)
{
    /// <summary>The value of <see cref="Service"/>.</summary>
    public const string ServiceName = "vigil";

    /// <summary>Gets the alert's labels (the rule's labels and the group).</summary>
    /// <value>Defaults to none.</value>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets when the alert was resolved.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Gets the rule's runbook link.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? RunbookUrl { get; init; }

    /// <summary>Gets the link to the alert on the dashboard (the "View Dashboard" button).</summary>
    /// <value>Defaults to <see langword="null"/>: no button.</value>
    public string? DashboardUrl { get; init; }

    /// <summary>
    /// Gets the signed link that acknowledges the alert (the "Acknowledge" button of chat and email).
    /// Not part of the webhook body: whoever holds it can acknowledge.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no button.</value>
    public string? AcknowledgeUrl { get; init; }

    /// <summary>Gets one sentence saying what is wrong, for chat and email.</summary>
    /// <value>Defaults to <see langword="null"/>: a sentence is made from the metric, value and threshold.</value>
    public string? Description { get; init; }

    /// <summary>
    /// Gets extra context, copied as-is into the webhook body (the delivery pipeline scrubs its strings
    /// with <see cref="PiiScrubber"/> before any channel renders it).
    /// The elements must outlive their document: use <see cref="JsonElement.Clone"/> or <c>JsonSerializer.SerializeToElement</c>.
    /// </summary>
    /// <value>Defaults to none.</value>
    public IReadOnlyDictionary<string, JsonElement> Context { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Gets the service that sent it.</summary>
    /// <value>Always <c>vigil</c>.</value>
    public string Service => ServiceName;

    /// <summary>Gets the version of Vigil that sent it.</summary>
    /// <value>Defaults to this library's informational version.</value>
    public string Version { get; init; } = DefaultVersion;

    internal static string DefaultVersion { get; } =
        typeof(AlertNotification).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>The sentence shown under the title: <see cref="Description"/>, or one made from the numbers.</summary>
    internal string Summary => Description
        ?? (ThresholdValue is double threshold
            ? FormattableString.Invariant($"{MetricName} is {MetricValue:0.###} (threshold {threshold:0.###})")
            : FormattableString.Invariant($"{MetricName} is {MetricValue:0.###}"));
}
