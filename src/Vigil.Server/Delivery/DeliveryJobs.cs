using System.Text.Json;
using Vigil.Core.Alerts;
using Vigil.Jobs;

namespace Vigil.Server.Delivery;

/// <summary>The job types of the delivery pipeline and their payloads.</summary>
internal static class DeliveryJobs
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

    public static string Serialize<T>(T payload) => JsonSerializer.Serialize(payload);

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

/// <summary>The payload of a <see cref="DeliveryJobs.Notification"/> job.</summary>
/// <param name="IntentKey">The intent's idempotency key.</param>
/// <param name="ChannelId">The channel.</param>
internal sealed record NotificationJob(string IntentKey, string ChannelId);

/// <summary>The payload of a <see cref="DeliveryJobs.Digest"/> job.</summary>
/// <param name="ChannelId">The channel.</param>
/// <param name="WindowStartMs">The start of the digest window, Unix ms.</param>
internal sealed record DigestJob(string ChannelId, long WindowStartMs);

/// <summary>The payload of a <see cref="DeliveryJobs.Relay"/> job.</summary>
/// <param name="RequestId">The relayed request (its body is stored with it).</param>
/// <param name="ChannelId">The integration.</param>
/// <param name="Slug">The relay endpoint's slug (for the chat and email renderings).</param>
internal sealed record RelayJob(string RequestId, string ChannelId, string Slug);
