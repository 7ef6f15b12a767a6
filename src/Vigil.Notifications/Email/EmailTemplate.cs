using System.Net;
using System.Text;
using MimeKit;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Chat;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Webhooks;

namespace Vigil.Notifications.Email;

/// <summary>
/// The email of a notification: subject <c>[SEVERITY] Vigil alert: &lt;name&gt;</c>, and a
/// multipart/alternative body with an HTML part coloured by severity and a plain-text part.
/// Every value from an alert is HTML-encoded; links are shown only when they are http(s).
/// </summary>
internal static class EmailTemplate
{
    public static (string Subject, string Html, string Text) ForAlert(AlertNotification n)
    {
        string subject = $"[{SeverityStyle.Upper(n.Severity)}] Vigil alert: {n.AlertName}";
        if (n.Status is not (IntentKind.Firing or IntentKind.Repeat))
        {
            subject += $" ({n.Status.ToWire()})";
        }

        var html = new StringBuilder();
        OpenHtml(html, SeverityStyle.HexOf(n), "Vigil alert", n.AlertName);
        AlertHtml(html, n);
        CloseHtml(html);

        var text = new StringBuilder();
        AlertText(text, n);
        text.Append("\n-- \nSent by Vigil ").Append(n.Version).Append('\n');
        return (OneLine(subject), html.ToString(), text.ToString());
    }

    public static (string Subject, string Html, string Text) ForDigest(IReadOnlyList<AlertNotification> notifications)
    {
        var highest = SeverityStyle.Highest(notifications);
        string count = $"{notifications.Count} alert{(notifications.Count == 1 ? "" : "s")}";
        string subject = $"[{SeverityStyle.Upper(highest)}] Vigil digest: {count}";

        var html = new StringBuilder();
        OpenHtml(html, SeverityStyle.Hex(highest), "Vigil digest", count);
        var text = new StringBuilder().Append("Vigil digest: ").Append(count).Append("\n\n");
        foreach (var n in notifications)
        {
            html.Append("<div style=\"border-left:6px solid ").Append(SeverityStyle.HexOf(n)).Append(";padding:0 16px;margin:16px 0;\">");
            html.Append("<h3 style=\"margin:8px 0;\">").Append(Encode(SeverityStyle.Title(n))).Append("</h3>");
            AlertHtml(html, n);
            html.Append("</div>");
            AlertText(text, n);
            text.Append('\n');
        }

        CloseHtml(html);
        text.Append("-- \nSent by Vigil ").Append(notifications[0].Version).Append('\n');
        return (subject, html.ToString(), text.ToString());
    }

    public static (string Subject, string Html, string Text) ForRelay(RelayPayload relay)
    {
        string subject = OneLine($"Vigil relay: payload from {relay.Source}");
        string json = ChatRelay.PrettyJson(relay.Json, 100_000);
        var html = new StringBuilder();
        OpenHtml(html, "#475569", "Vigil relay", relay.Source);
        html.Append("<pre style=\"background:#f1f5f9;padding:12px;border-radius:4px;overflow-x:auto;\">").Append(Encode(json)).Append("</pre>");
        CloseHtml(html);
        return (subject, html.ToString(), $"Payload received by the Vigil relay endpoint {relay.Source}:\n\n{json}\n");
    }

    public static MimeEntity Body(string html, string text) => new BodyBuilder { HtmlBody = html, TextBody = text }.ToMessageBody();

    private static void OpenHtml(StringBuilder html, string colour, string kicker, string title)
    {
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>")
            .Append("<body style=\"font-family:Arial,Helvetica,sans-serif;max-width:640px;margin:0 auto;color:#1f2937;\">")
            .Append("<div style=\"background-color:").Append(colour).Append(";color:#ffffff;padding:20px;\">")
            .Append("<div style=\"font-size:13px;text-transform:uppercase;letter-spacing:1px;\">").Append(Encode(kicker)).Append("</div>")
            .Append("<h1 style=\"margin:4px 0 0;font-size:22px;\">").Append(Encode(title)).Append("</h1></div>")
            .Append("<div style=\"padding:20px;\">");
    }

    private static void CloseHtml(StringBuilder html) =>
        html.Append("</div><div style=\"padding:12px 20px;color:#6b7280;font-size:12px;border-top:1px solid #e5e7eb;\">Sent by Vigil.</div></body></html>");

    private static void AlertHtml(StringBuilder html, AlertNotification n)
    {
        html.Append("<p style=\"font-size:16px;\">").Append(Encode(n.Summary)).Append("</p>");
        html.Append("<table style=\"border-collapse:collapse;font-size:14px;\">");
        Row(html, "Severity", $"<span style=\"color:{SeverityStyle.Hex(n.Severity)};font-weight:bold;\">{Encode(SeverityStyle.Upper(n.Severity))}</span>");
        Row(html, "Status", Encode(n.Status.ToWire()));
        Row(html, "Metric", Encode(n.MetricName));
        Row(html, "Value", Encode(ValueText(n)));
        Row(html, "Triggered", Encode(WebhookBody.Timestamp(n.TriggeredAt)));
        if (n.ResolvedAt is { } resolved)
        {
            Row(html, "Resolved", Encode(WebhookBody.Timestamp(resolved)));
        }

        foreach (var (key, value) in n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            Row(html, Encode(key), Encode(value));
        }

        html.Append("</table><p>");
        Button(html, "View Dashboard", n.DashboardUrl, "#1f2937");
        if (n.Status is not (IntentKind.Resolved or IntentKind.Acknowledged))
        {
            Button(html, "Acknowledge", n.AcknowledgeUrl, SeverityStyle.Hex(n.Severity));
        }

        Button(html, "Runbook", n.RunbookUrl, "#475569");
        html.Append("</p>");
    }

    private static void AlertText(StringBuilder text, AlertNotification n)
    {
        text.Append(SeverityStyle.Title(n)).Append('\n')
            .Append(n.Summary).Append("\n\n")
            .Append("Severity:  ").Append(SeverityStyle.Upper(n.Severity)).Append('\n')
            .Append("Status:    ").Append(n.Status.ToWire()).Append('\n')
            .Append("Metric:    ").Append(n.MetricName).Append('\n')
            .Append("Value:     ").Append(ValueText(n)).Append('\n')
            .Append("Triggered: ").Append(WebhookBody.Timestamp(n.TriggeredAt)).Append('\n');
        if (n.ResolvedAt is { } resolved)
        {
            text.Append("Resolved:  ").Append(WebhookBody.Timestamp(resolved)).Append('\n');
        }

        foreach (var (key, value) in n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append(": ").Append(value).Append('\n');
        }

        if (SeverityStyle.IsLink(n.DashboardUrl))
        {
            text.Append("View Dashboard: ").Append(n.DashboardUrl).Append('\n');
        }

        if (n.Status is not (IntentKind.Resolved or IntentKind.Acknowledged) && SeverityStyle.IsLink(n.AcknowledgeUrl))
        {
            text.Append("Acknowledge: ").Append(n.AcknowledgeUrl).Append('\n');
        }

        if (SeverityStyle.IsLink(n.RunbookUrl))
        {
            text.Append("Runbook: ").Append(n.RunbookUrl).Append('\n');
        }
    }

    private static string ValueText(AlertNotification n) => n.ThresholdValue is double t
        ? FormattableString.Invariant($"{n.MetricValue:0.###} (threshold {t:0.###})")
        : FormattableString.Invariant($"{n.MetricValue:0.###}");

    private static void Row(StringBuilder html, string name, string valueHtml) =>
        html.Append("<tr><td style=\"padding:4px 16px 4px 0;color:#6b7280;\">").Append(name).Append("</td><td style=\"padding:4px 0;\">").Append(valueHtml).Append("</td></tr>");

    private static void Button(StringBuilder html, string label, string? url, string colour)
    {
        if (!SeverityStyle.IsLink(url))
        {
            return;
        }

        html.Append("<a href=\"").Append(Encode(url!)).Append("\" style=\"display:inline-block;margin:4px 8px 4px 0;padding:10px 16px;background:")
            .Append(colour).Append(";color:#ffffff;text-decoration:none;border-radius:4px;\">").Append(label).Append("</a>");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
