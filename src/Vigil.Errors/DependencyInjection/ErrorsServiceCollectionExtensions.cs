using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Errors;
using Vigil.Errors.Issues;
using Vigil.Storage.Errors;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers error tracking.</summary>
public static class ErrorsServiceCollectionExtensions
{
    /// <summary>
    /// Adds error tracking: its options (<c>Vigil:Errors</c>, checked at start-up), the repository,
    /// the intake every source records through, the <see cref="IssuesView"/> the dashboard reads through, and the minute watch that clears spikes. The host
    /// provides the storage's <c>Database</c>, the notifications' <c>PiiScrubber</c> (<c>AddVigilNotifications</c>), maps the endpoints and, to raise alerts, an
    /// <see cref="IErrorAlertSink"/>. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddVigilErrors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(ErrorIntake)))
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ErrorOptions>().Bind(configuration.GetSection(ErrorOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ErrorRepository>();
        services.TryAddSingleton<IErrorAlertSink, NoErrorAlerts>();
        services.AddSingleton<ErrorIntake>();
        services.AddSingleton(sp => new IssuesView(sp.GetRequiredService<ErrorRepository>(), sp.GetRequiredService<ErrorIntake>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ErrorOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<SpikeWatch>();
        return services;
    }
}
