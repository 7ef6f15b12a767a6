using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Core.Limits;
using Vigil.Notifications;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;
using Vigil.Notifications.Email;
using Vigil.Notifications.Privacy;
using Vigil.Notifications.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Vigil's notification channels: <see cref="NotificationSender"/>, <see cref="DestinationGuard"/>,
/// their HTTP client, and the <see cref="PiiScrubber"/> of <see cref="PrivacyOptions"/> (bind them with
/// <c>services.AddOptions&lt;PrivacyOptions&gt;().Bind(...)</c>; validated at start).
/// </summary>
public static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// Adds notification delivery configured in code. Safe to call more than once: services are
    /// registered once and every <paramref name="configure"/> is applied, in order.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="DeliveryOptions"/>; may be null to keep the defaults.</param>
    /// <returns>A builder to configure delivery further.</returns>
    public static IVigilNotificationsBuilder AddVigilNotifications(this IServiceCollection services, Action<DeliveryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DeliveryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>
    /// Adds notification delivery configured from a section, usually <c>Vigil:Delivery</c>, with the keys
    /// <c>AllowPrivateNetworks</c>, <c>AllowedHosts</c>, <c>Timeout</c>, <c>BreakerFailureThreshold</c>... named like
    /// the properties of <see cref="DeliveryOptions"/>. Safe to call more than once.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section holding the settings.</param>
    /// <returns>A builder to configure delivery further.</returns>
    public static IVigilNotificationsBuilder AddVigilNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DeliveryOptions>().Bind(configuration);
        return AddCore(services);
    }

    private static NotificationsBuilder AddCore(IServiceCollection services)
    {
        var httpClient = services.AddHttpClient(DeliveryOptions.HttpClientName);
        if (services.Any(d => d.ServiceType == typeof(NotificationsMarker)))
        {
            return new NotificationsBuilder(services, httpClient);
        }

        services.AddSingleton<NotificationsMarker>();
        services.AddOptions<DeliveryOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsAttributeValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>());
        services.AddOptions<PrivacyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrivacyOptions>, PrivacyOptionsValidator>());
        services.TryAddSingleton(sp => new PiiScrubber(sp.GetRequiredService<IOptions<PrivacyOptions>>().Value, sp.GetRequiredService<ILogger<PiiScrubber>>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DestinationGuard(sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>()));
        services.TryAddSingleton(sp => new EmailSender(sp.GetRequiredService<DestinationGuard>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new DestinationResilience(
            sp.GetRequiredService<IOptions<DeliveryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DestinationResilience>>(),
            sp.GetService<IDestinationLimits>()));
        services.TryAddSingleton(sp => new NotificationSender(
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<EmailSender>(),
            sp.GetRequiredService<DestinationResilience>(),
            sp.GetRequiredService<IOptionsMonitor<DeliveryOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NotificationSender>>()));

        // Timeouts run on the TimeProvider (DeliveryOptions.Timeout), redirects are not followed, no
        // proxy (it would connect past the address check), every connection goes through the guard,
        // and no trace context (traceparent, tracestate, baggage) is sent to destinations outside.
        httpClient
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectCallback = sp.GetRequiredService<DestinationGuard>().ConnectHttpAsync,
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ActivityHeadersPropagator = null,
            })
            .RemoveAllLoggers();

        return new NotificationsBuilder(services, httpClient);
    }

    private sealed class NotificationsBuilder(IServiceCollection services, IHttpClientBuilder httpClient) : IVigilNotificationsBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IHttpClientBuilder HttpClient { get; } = httpClient;
    }

    /// <summary>Marks a service collection where the one-time registrations were made.</summary>
    private sealed class NotificationsMarker;
}
