using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the Vigil client: <see cref="IVigilClient"/>, its background sender, its trace listener and its <see cref="HttpClient"/>.
/// </summary>
public static class VigilClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Vigil client configured in code. Safe to call more than once: services are registered
    /// once and every <paramref name="configure"/> is applied, in order.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="VigilClientOptions.Endpoint"/>, the API key and other settings.</param>
    /// <returns>A builder to configure the client further.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddVigilClient(o =>
    /// {
    ///     o.Endpoint = new Uri("http://127.0.0.1:5080");
    ///     o.ApiKey = builder.Configuration["Vigil:ApiKey"];
    /// });
    /// </code>
    /// </example>
    public static IVigilClientBuilder AddVigilClient(this IServiceCollection services, Action<VigilClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<VigilClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>
    /// Adds the Vigil client configured from a configuration section, usually
    /// <c>builder.Configuration.GetSection("Vigil")</c> with the keys <c>Endpoint</c>, <c>ApiKey</c>,
    /// <c>BatchSize</c>... named like the properties of <see cref="VigilClientOptions"/>. Safe to call more than once.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section holding the settings.</param>
    /// <returns>A builder to configure the client further.</returns>
    public static IVigilClientBuilder AddVigilClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<VigilClientOptions>().Bind(configuration);
        return AddCore(services);
    }

    private static VigilClientBuilder AddCore(IServiceCollection services)
    {
        var httpClient = services.AddHttpClient(VigilClientOptions.HttpClientName);
        if (services.Any(d => d.ServiceType == typeof(VigilClientMarker)))
        {
            return new VigilClientBuilder(services, httpClient);
        }

        services.AddSingleton<VigilClientMarker>();
        services.AddOptions<VigilClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VigilClientOptions>, VigilClientOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VigilClientOptions>, VigilClientOptionsAttributeValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClientIdentity>();
        services.TryAddSingleton<TelemetryBuffer>();
        services.TryAddSingleton<VigilSender>();
        services.TryAddSingleton<VigilClient>();
        services.TryAddSingleton<IVigilClient>(sp => sp.GetRequiredService<VigilClient>());
        services.AddHostedService<VigilSenderService>();
        services.TryAddSingleton<VigilTraceListener>();
        services.AddHostedService(sp => sp.GetRequiredService<VigilTraceListener>());

        // The client's own timeout (RequestTimeout, on the TimeProvider) governs; and no per-request
        // log lines from IHttpClientFactory every second in the application's logs.
        httpClient
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();

        return new VigilClientBuilder(services, httpClient);
    }

    private sealed class VigilClientBuilder(IServiceCollection services, IHttpClientBuilder httpClient) : IVigilClientBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IHttpClientBuilder HttpClient { get; } = httpClient;
    }

    /// <summary>Marks a service collection where the one-time registrations were made.</summary>
    private sealed class VigilClientMarker;
}
