using System.Globalization;
using System.Text.Json;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Webhooks;

/// <summary>
/// The JSON body of the generic webhook channel (SPEC §4). A digest is
/// <c>{"type":"digest","count":n,"notifications":[body, ...],"service":"vigil","version":"..."}</c>.
/// </summary>
internal static class WebhookBody
{
    public static byte[] ForAlert(AlertNotification notification)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, notification);
        }

        return buffer.ToArray();
    }

    public static byte[] ForDigest(IReadOnlyList<AlertNotification> notifications)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "digest");
            writer.WriteNumber("count", notifications.Count);
            writer.WriteStartArray("notifications");
            foreach (var notification in notifications)
            {
                Write(writer, notification);
            }

            writer.WriteEndArray();
            writer.WriteString("service", AlertNotification.ServiceName);
            writer.WriteString("version", notifications[0].Version);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Write(Utf8JsonWriter writer, AlertNotification n)
    {
        writer.WriteStartObject();
        writer.WriteString("alertId", n.AlertId);
        writer.WriteString("alertName", n.AlertName);
        writer.WriteString("status", n.Status.ToWire());
        writer.WriteString("severity", Core.Alerts.AlertNames.ToWire(n.Severity));
        writer.WriteString("metricName", n.MetricName);
        WriteNumber(writer, "metricValue", n.MetricValue);
        if (n.ThresholdValue is double threshold)
        {
            WriteNumber(writer, "thresholdValue", threshold);
        }
        else
        {
            writer.WriteNull("thresholdValue");
        }

        writer.WriteStartObject("labels");
        foreach (var (key, value) in n.Labels)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteString("triggeredAt", Timestamp(n.TriggeredAt));
        if (n.ResolvedAt is { } resolved)
        {
            writer.WriteString("resolvedAt", Timestamp(resolved));
        }
        else
        {
            writer.WriteNull("resolvedAt");
        }

        writer.WriteString("runbookUrl", n.RunbookUrl);
        writer.WriteString("dashboardUrl", n.DashboardUrl);
        writer.WriteStartObject("context");
        foreach (var (key, value) in n.Context)
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }

        writer.WriteEndObject();
        writer.WriteString("service", n.Service);
        writer.WriteString("version", n.Version);
        writer.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        // JSON has no NaN or infinity: write null rather than fail the delivery.
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
