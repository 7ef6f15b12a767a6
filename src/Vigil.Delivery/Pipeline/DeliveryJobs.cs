using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Jobs.Queue;

namespace Vigil.Delivery.Pipeline;

/// <summary>The job types of the delivery pipeline and their payloads.</summary>
public static class DeliveryJobs
{
    /// <summary>One notification intent to one channel.</summary>
    public const string Notification = "notification.deliver";

    /// <summary>A channel's digest of warning and info notifications for one window.</summary>
    public const string Digest = "notification.digest";

    /// <summary>One relayed webhook body to one integration.</summary>
    public const string Relay = "relay.deliver";

    /// <summary>Every delivery type.</summary>
    public static readonly string[] Types = [Notification, Digest, Relay];

    /// <summary>The queue priority of a severity: critical first.</summary>
    public static int PriorityOf(Severity severity) => (int)(severity switch
    {
        Severity.Critical => JobPriority.High,
        Severity.Info => JobPriority.Low,
        _ => JobPriority.Medium,
    });

    /// <summary>A job payload as stored.</summary>
    public static string Serialize<T>(T payload) => JsonSerializer.Serialize(payload);

    /// <summary>A stored job payload, or null when it is not of this shape.</summary>
    public static T? Deserialize<T>(string payload)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
