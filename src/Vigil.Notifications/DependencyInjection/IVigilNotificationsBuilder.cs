using Microsoft.Extensions.DependencyInjection;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications;

/// <summary>Returned by <c>AddVigilNotifications</c> to configure delivery further.</summary>
public interface IVigilNotificationsBuilder
{
    /// <summary>Gets the application's service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gets the builder of the named <see cref="HttpClient"/> (<see cref="DeliveryOptions.HttpClientName"/>)
    /// the webhook and chat senders use. Its primary handler carries the private-network check: replace
    /// it and the check is gone.
    /// </summary>
    IHttpClientBuilder HttpClient { get; }
}
