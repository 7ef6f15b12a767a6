using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Dashboard.Delivery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what the channels, deliveries and relay pages read.</summary>
public static class DeliveryPagesServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DeliveryDashboard"/>; the host provides the delivery pipeline (<c>AddVigilDelivery</c>). Safe to call twice.</summary>
    public static IServiceCollection AddVigilDeliveryPages(this IServiceCollection services)
    {
        services.TryAddSingleton<DeliveryDashboard>();
        return services;
    }
}
