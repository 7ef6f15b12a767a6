using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Delivery.Acknowledge;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Privacy;
using Vigil.Storage.Alerts;

namespace Vigil.Delivery.Pipeline;

/// <summary>
/// Builds what a channel sends from a stored intent, its alert and its rule, at delivery time, and
/// scrubs it (<see cref="PiiScrubber"/>) before any channel renders it: the one place every alert
/// notification and digest passes through.
/// </summary>
internal sealed class NotificationBuilder(AlertRepository alerts, IRuleSource rules, AcknowledgeLinks links, IOptions<PublicLinkOptions> publicLinks, PiiScrubber scrubber)
{
    /// <summary>The notification of an intent, or null when the intent or its alert no longer exists.</summary>
    public async Task<AlertNotification?> BuildAsync(string intentKey, CancellationToken cancellationToken)
    {
        if (await alerts.IntentAsync(intentKey, cancellationToken).ConfigureAwait(false) is not { } stored
            || await alerts.GetAsync(stored.Intent.AlertId, cancellationToken).ConfigureAwait(false) is not { } alert)
        {
            return null;
        }

        var intent = stored.Intent;
        var rule = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == alert.RuleId);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in rule?.Labels ?? new Dictionary<string, string>())
        {
            labels[name] = text;
        }

        foreach (var (name, text) in alert.Group.Pairs)
        {
            labels[name] = text;
        }

        var metric = rule?.Metric ?? alert.RuleId;
        var group = scrubber.WithoutDropped(alert.Group);
        var value = alert.Value ?? 0;
        var description = alert.Reason is { } reason
            ? reason
            : rule is null
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{rule.Aggregation.ToWire()} of {metric}{(group.Count > 0 ? " " + group : "")} over {rule.WindowMinutes:0.##} min{(rule.TrimmedText() is { } trimmed ? $" ({trimmed})" : "")} is {value:0.###}")
              + (alert.Threshold is { } t ? string.Create(CultureInfo.InvariantCulture, $" ({rule.Comparison.ToWire().Replace('_', ' ')} {t:0.###})") : "");
        var context = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["ruleId"] = JsonSerializer.SerializeToElement(alert.RuleId),
            // The stored fingerprint carries the group's label values: a hash of it is as stable and unique.
            ["fingerprint"] = JsonSerializer.SerializeToElement(PiiScrubber.HashFingerprint(alert.Fingerprint)),
            ["notification"] = JsonSerializer.SerializeToElement(intent.IdempotencyKey),
        };
        if (alert.Reason is not null)
        {
            context["reason"] = JsonSerializer.SerializeToElement(alert.Reason);
        }

        if (rule is not null)
        {
            context["aggregation"] = JsonSerializer.SerializeToElement(rule.Aggregation.ToWire());
            context["windowMinutes"] = JsonSerializer.SerializeToElement(rule.WindowMinutes);
            if (rule.TrimMinutes > 0)
            {
                context["trimMinutes"] = JsonSerializer.SerializeToElement(rule.TrimMinutes);
            }

            if (rule.ThresholdType == ThresholdType.Anomaly)
            {
                context["anomalyMethod"] = JsonSerializer.SerializeToElement(rule.AnomalyMethod.ToWire());
            }
        }

        return scrubber.Scrub(new AlertNotification(alert.Id, rule?.Name ?? alert.RuleId, intent.Kind, intent.Severity, metric, value, alert.Threshold, alert.FiringSince ?? alert.StartedAt)
        {
            Labels = labels,
            ResolvedAt = alert.ResolvedAt,
            RunbookUrl = rule?.RunbookUrl,
            DashboardUrl = publicLinks.Value.Link($"/alerts/{Uri.EscapeDataString(alert.Id)}"),
            AcknowledgeUrl = intent.Kind is IntentKind.Firing or IntentKind.Repeat or IntentKind.Escalated && alert.IsOpen ? links.Create(alert.Id) : null,
            Description = description,
            Context = context,
        });
    }
}
