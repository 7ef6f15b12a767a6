namespace Vigil.Notifications.Delivery;

/// <summary>Wire names of delivery outcomes (API answers and the <c>outcome</c> label of the delivery counter).</summary>
public static class DeliveryStatusNames
{
    /// <summary>The wire name of <paramref name="status"/>.</summary>
    public static string ToWire(this DeliveryStatus status) => status switch
    {
        DeliveryStatus.Delivered => "delivered",
        DeliveryStatus.RetryableFailure => "retryable_failure",
        DeliveryStatus.PermanentFailure => "permanent_failure",
        DeliveryStatus.Gone => "gone",
        _ => "short_circuited",
    };
}
