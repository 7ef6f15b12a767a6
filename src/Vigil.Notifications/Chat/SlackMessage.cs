using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Webhooks;

namespace Vigil.Notifications.Chat;

/// <summary>
/// A Slack incoming-webhook message in Block Kit: a header, the description, the severity, status,
/// value and time as fields, the labels, and the "View Dashboard" and "Acknowledge" link buttons.
/// The top-level <c>text</c> is the notification's fallback.
/// </summary>
internal static class SlackMessage
{
    private const int MaxSectionText = 3000;
    private const int MaxHeaderText = 150;
    private const int MaxBlocks = 50;

    public static byte[] ForAlert(AlertNotification n)
    {
        var blocks = new JsonArray
        {
            Header($"{SeverityStyle.Emoji(n)} {SeverityStyle.Title(n)}"),
            Section(Escape(n.Summary)),
        };

        var fields = new JsonArray
        {
            Field("Severity", SeverityStyle.Upper(n.Severity)),
            Field("Status", n.Status.ToWire()),
            Field("Metric", n.MetricName),
            Field("Value", n.ThresholdValue is double t
                ? FormattableString.Invariant($"{n.MetricValue:0.###} (threshold {t:0.###})")
                : FormattableString.Invariant($"{n.MetricValue:0.###}")),
            FieldRaw("Triggered", SlackDate(n.TriggeredAt)),
        };
        if (n.ResolvedAt is { } resolved)
        {
            fields.Add(FieldRaw("Resolved", SlackDate(resolved)));
        }

        blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = fields });
        if (n.Labels.Count > 0)
        {
            string labels = string.Join("  ", n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"`{Escape(l.Key)}={Escape(l.Value)}`"));
            blocks.Add(Context(SeverityStyle.Truncate(labels, MaxSectionText)));
        }

        var buttons = Buttons(n);
        if (buttons.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "actions", ["elements"] = buttons });
        }

        blocks.Add(Context(Escape($"Vigil {n.Version} · alert {n.AlertId}")));
        return Message($"{SeverityStyle.Title(n)}: {n.Summary}", blocks);
    }

    public static byte[] ForDigest(IReadOnlyList<AlertNotification> notifications)
    {
        var highest = SeverityStyle.Highest(notifications);
        string title = $"[{SeverityStyle.Upper(highest)}] Vigil digest: {notifications.Count} alert{(notifications.Count == 1 ? "" : "s")}";
        var blocks = new JsonArray { Header(title) };
        int shown = 0;
        foreach (var n in notifications)
        {
            // Two blocks per alert, and room for the closing line.
            if (blocks.Count + 3 > MaxBlocks)
            {
                break;
            }

            blocks.Add(new JsonObject { ["type"] = "divider" });
            var section = Section($"*{Escape(SeverityStyle.Title(n))}*\n{Escape(n.Summary)}\n{SlackDate(n.TriggeredAt)}");
            if (SeverityStyle.IsLink(n.DashboardUrl))
            {
                section["accessory"] = Button("View Dashboard", n.DashboardUrl!, null);
            }

            blocks.Add(section);
            shown++;
        }

        if (shown < notifications.Count)
        {
            blocks.Add(Context($"…and {notifications.Count - shown} more on the dashboard."));
        }

        return Message(title, blocks);
    }

    public static byte[] ForRelay(RelayPayload relay)
    {
        string title = $"Vigil relay: payload from {relay.Source}";
        string json = ChatRelay.PrettyJson(relay.Json, MaxSectionText - 20);
        var blocks = new JsonArray
        {
            Section($"*{Escape(title)}*"),
            Section($"```{Escape(json)}```"),
        };
        return Message(title, blocks);
    }

    /// <summary>Escapes the three characters Slack's mrkdwn gives a meaning to.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static JsonArray Buttons(AlertNotification n)
    {
        var buttons = new JsonArray();
        if (SeverityStyle.IsLink(n.DashboardUrl))
        {
            buttons.Add(Button("View Dashboard", n.DashboardUrl!, "primary"));
        }

        if (n.Status != IntentKind.Resolved && n.Status != IntentKind.Acknowledged && SeverityStyle.IsLink(n.AcknowledgeUrl))
        {
            buttons.Add(Button("Acknowledge", n.AcknowledgeUrl!, "danger"));
        }

        if (SeverityStyle.IsLink(n.RunbookUrl))
        {
            buttons.Add(Button("Runbook", n.RunbookUrl!, null));
        }

        return buttons;
    }

    private static JsonObject Button(string text, string url, string? style)
    {
        var button = new JsonObject
        {
            ["type"] = "button",
            ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = text },
            ["url"] = url,
            ["action_id"] = text.ToLowerInvariant().Replace(' ', '_'),
        };
        if (style is not null)
        {
            button["style"] = style;
        }

        return button;
    }

    private static string SlackDate(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"<!date^{at.ToUnixTimeSeconds()}^{{date_short_pretty}} {{time_secs}}|{WebhookBody.Timestamp(at)}>");

    private static JsonObject Header(string text) =>
        new() { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = SeverityStyle.Truncate(text, MaxHeaderText), ["emoji"] = true } };

    private static JsonObject Section(string mrkdwn) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = SeverityStyle.Truncate(mrkdwn, MaxSectionText) } };

    private static JsonObject Context(string mrkdwn) =>
        new() { ["type"] = "context", ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn } } };

    private static JsonObject Field(string name, string value) => FieldRaw(name, Escape(value));

    private static JsonObject FieldRaw(string name, string mrkdwn) => new() { ["type"] = "mrkdwn", ["text"] = $"*{name}*\n{mrkdwn}" };

    private static byte[] Message(string fallback, JsonArray blocks) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["text"] = Escape(fallback), ["blocks"] = blocks }.ToJsonString(ChatJson.Options));
}
