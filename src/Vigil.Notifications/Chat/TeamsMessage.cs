using System.Text;
using System.Text.Json.Nodes;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Webhooks;

namespace Vigil.Notifications.Chat;

/// <summary>
/// A Microsoft Teams webhook message carrying an Adaptive Card (version 1.4):
/// <c>{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{...}}]}</c>.
/// Text from outside Vigil (names, labels, descriptions, relayed JSON) is Markdown-escaped (<see cref="ChatMarkdown.Teams"/>).
/// </summary>
internal static class TeamsMessage
{
    public const string CardContentType = "application/vnd.microsoft.card.adaptive";

    public static byte[] ForAlert(AlertNotification n)
    {
        var body = new JsonArray();
        AddAlert(body, n, large: true);
        return Message(body, Actions(n));
    }

    public static byte[] ForDigest(IReadOnlyList<AlertNotification> notifications)
    {
        var highest = SeverityStyle.Highest(notifications);
        var body = new JsonArray
        {
            Text($"[{SeverityStyle.Upper(highest)}] Vigil digest: {notifications.Count} alert{(notifications.Count == 1 ? "" : "s")}", size: "Large", bold: true, color: ColorOf(highest)),
        };
        foreach (var n in notifications)
        {
            AddAlert(body, n, large: false);
        }

        return Message(body, []);
    }

    public static byte[] ForRelay(RelayPayload relay)
    {
        var body = new JsonArray
        {
            Text($"Vigil relay: payload from {ChatMarkdown.Teams(relay.Source)}", size: "Medium", bold: true, color: null),
            new JsonObject
            {
                ["type"] = "TextBlock",
                ["text"] = ChatMarkdown.Teams(ChatRelay.PrettyJson(relay.Json, 20_000)),
                ["fontType"] = "Monospace",
                ["wrap"] = true,
            },
        };
        return Message(body, []);
    }

    private static void AddAlert(JsonArray body, AlertNotification n, bool large)
    {
        var title = Text(SeverityStyle.Title(n, ChatMarkdown.Teams), size: large ? "Large" : "Medium", bold: true, color: n.Status == IntentKind.Resolved ? "Good" : ColorOf(n.Severity));
        if (!large)
        {
            title["separator"] = true;
        }

        body.Add(title);
        body.Add(Text(ChatMarkdown.Teams(n.Summary), size: null, bold: false, color: null));
        var facts = new JsonArray
        {
            Fact("Severity", SeverityStyle.Upper(n.Severity)),
            Fact("Status", n.Status.ToWire()),
            Fact("Metric", ChatMarkdown.Teams(n.MetricName)),
            Fact("Value", n.ThresholdValue is double t
                ? FormattableString.Invariant($"{n.MetricValue:0.###} (threshold {t:0.###})")
                : FormattableString.Invariant($"{n.MetricValue:0.###}")),
            Fact("Triggered", WebhookBody.Timestamp(n.TriggeredAt)),
        };
        if (n.ResolvedAt is { } resolved)
        {
            facts.Add(Fact("Resolved", WebhookBody.Timestamp(resolved)));
        }

        foreach (var (key, value) in n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            facts.Add(Fact(ChatMarkdown.Teams(key), ChatMarkdown.Teams(value)));
        }

        body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
    }

    private static JsonArray Actions(AlertNotification n)
    {
        var actions = new JsonArray();
        if (SeverityStyle.IsLink(n.DashboardUrl))
        {
            actions.Add(OpenUrl("View Dashboard", n.DashboardUrl!));
        }

        if (n.Status != IntentKind.Resolved && n.Status != IntentKind.Acknowledged && SeverityStyle.IsLink(n.AcknowledgeUrl))
        {
            actions.Add(OpenUrl("Acknowledge", n.AcknowledgeUrl!));
        }

        if (SeverityStyle.IsLink(n.RunbookUrl))
        {
            actions.Add(OpenUrl("Runbook", n.RunbookUrl!));
        }

        return actions;
    }

    private static string ColorOf(Severity severity) => severity switch
    {
        Severity.Info => "Accent",
        Severity.Warning => "Warning",
        _ => "Attention",
    };

    private static JsonObject OpenUrl(string title, string url) => new() { ["type"] = "Action.OpenUrl", ["title"] = title, ["url"] = url };

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    private static JsonObject Text(string text, string? size, bool bold, string? color)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (size is not null)
        {
            block["size"] = size;
        }

        if (bold)
        {
            block["weight"] = "Bolder";
        }

        if (color is not null)
        {
            block["color"] = color;
        }

        return block;
    }

    private static byte[] Message(JsonArray body, JsonArray actions)
    {
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
        };
        if (actions.Count > 0)
        {
            card["actions"] = actions;
        }

        var message = new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = CardContentType, ["contentUrl"] = null, ["content"] = card },
            },
        };
        return Encoding.UTF8.GetBytes(message.ToJsonString(ChatJson.Options));
    }
}
