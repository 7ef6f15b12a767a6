using Vigil.Core.Alerts;

namespace Vigil.Notifications.Delivery;

/// <summary>The wire names of <see cref="IntentKind"/> as the notification <c>status</c>.</summary>
public static class NotificationStatusNames
{
    /// <summary>The wire name: <c>firing</c>, <c>repeat</c>, <c>escalated</c>, <c>acknowledged</c> or <c>resolved</c>.</summary>
    public static string ToWire(this IntentKind value) => value.ToString().ToLowerInvariant();
}
