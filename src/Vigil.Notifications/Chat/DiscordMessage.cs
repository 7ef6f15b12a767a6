using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Webhooks;

namespace Vigil.Notifications.Chat;

/// <summary>
/// A Discord webhook message: one embed per alert, coloured by severity, with the links in the
/// description. Mentions are switched off so alert text cannot ping <c>@everyone</c>, and text from
/// outside Vigil (names, labels, descriptions) is Markdown-escaped (<see cref="ChatMarkdown.Discord"/>).
/// </summary>
internal static class DiscordMessage
{
    private const int MaxEmbeds = 10;
    private const int MaxTitle = 256;
    private const int MaxDescription = 4096;
    private const int MaxContent = 2000;
    private const int MaxFieldValue = 1024;

    public static byte[] ForAlert(AlertNotification n) =>
        Message(SeverityStyle.Truncate(SeverityStyle.Title(n, ChatMarkdown.Discord), MaxContent), [Embed(n)]);

    public static byte[] ForDigest(IReadOnlyList<AlertNotification> notifications)
    {
        var highest = SeverityStyle.Highest(notifications);
        string content = $"[{SeverityStyle.Upper(highest)}] Vigil digest: {notifications.Count} alert{(notifications.Count == 1 ? "" : "s")}";
        if (notifications.Count > MaxEmbeds)
        {
            content += string.Create(CultureInfo.InvariantCulture, $" (the first {MaxEmbeds} shown)");
        }

        return Message(content, [.. notifications.Take(MaxEmbeds).Select(Embed)]);
    }

    public static byte[] ForRelay(RelayPayload relay)
    {
        string header = $"Vigil relay: payload from {ChatMarkdown.Discord(relay.Source)}\n";
        string json = ChatRelay.PrettyJson(relay.Json, MaxContent - header.Length - 12);
        return Message($"{header}```json\n{json}\n```", []);
    }

    private static JsonObject Embed(AlertNotification n)
    {
        var description = new StringBuilder(ChatMarkdown.Discord(n.Summary));
        var links = new List<string>();
        if (SeverityStyle.IsLink(n.DashboardUrl))
        {
            links.Add($"[View Dashboard]({n.DashboardUrl})");
        }

        if (n.Status != IntentKind.Resolved && n.Status != IntentKind.Acknowledged && SeverityStyle.IsLink(n.AcknowledgeUrl))
        {
            links.Add($"[Acknowledge]({n.AcknowledgeUrl})");
        }

        if (SeverityStyle.IsLink(n.RunbookUrl))
        {
            links.Add($"[Runbook]({n.RunbookUrl})");
        }

        if (links.Count > 0)
        {
            description.Append("\n\n").AppendJoin(" · ", links);
        }

        var fields = new JsonArray
        {
            Field("Severity", SeverityStyle.Upper(n.Severity)),
            Field("Status", n.Status.ToWire()),
            Field("Metric", ChatMarkdown.Discord(n.MetricName)),
            Field("Value", n.ThresholdValue is double t
                ? FormattableString.Invariant($"{n.MetricValue:0.###} (threshold {t:0.###})")
                : FormattableString.Invariant($"{n.MetricValue:0.###}")),
        };
        if (n.Labels.Count > 0)
        {
            fields.Add(new JsonObject
            {
                ["name"] = "Labels",
                ["value"] = SeverityStyle.Truncate(string.Join(", ", n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => ChatMarkdown.Discord($"{l.Key}={l.Value}"))), MaxFieldValue),
                ["inline"] = false,
            });
        }

        var embed = new JsonObject
        {
            ["title"] = SeverityStyle.Truncate(SeverityStyle.Title(n, ChatMarkdown.Discord), MaxTitle),
            ["description"] = SeverityStyle.Truncate(description.ToString(), MaxDescription),
            ["color"] = SeverityStyle.RgbOf(n),
            ["timestamp"] = WebhookBody.Timestamp(n.TriggeredAt),
            ["fields"] = fields,
            ["footer"] = new JsonObject { ["text"] = $"Vigil {n.Version} · alert {n.AlertId}" },
        };
        if (SeverityStyle.IsLink(n.DashboardUrl))
        {
            embed["url"] = n.DashboardUrl;
        }

        return embed;
    }

    private static JsonObject Field(string name, string value) =>
        new() { ["name"] = name, ["value"] = SeverityStyle.Truncate(value, MaxFieldValue), ["inline"] = true };

    private static byte[] Message(string content, JsonNode?[] embeds) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["username"] = "Vigil",
            ["content"] = content,
            ["embeds"] = new JsonArray(embeds),
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        }.ToJsonString(ChatJson.Options));
}
