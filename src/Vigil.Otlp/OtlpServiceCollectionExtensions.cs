using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Otlp;
using Vigil.Otlp.Metrics;
using Vigil.Otlp.Traces;
using Vigil.Storage.Traces;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the OpenTelemetry (OTLP) receiver's domain.</summary>
public static class OtlpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the OTLP receiver's options (<c>Vigil:Otlp</c>, checked at start-up) and the
    /// <see cref="OtlpMetricsReceiver"/> (it keeps the previous value of each cumulative series);
    /// the traces' options (<c>Vigil:Traces</c>, checked at start-up), the
    /// <see cref="OtlpTraceReceiver"/> and the <see cref="TraceStore"/> (it needs the storage's
    /// <c>Database</c>). The host maps the endpoints. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddVigilOtlp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<OtlpOptions>().Bind(configuration.GetSection(OtlpOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OtlpOptions>, OtlpOptionsValidator>());
        services.TryAddSingleton<OtlpMetricsReceiver>();
        services.AddOptions<TraceOptions>().Bind(configuration.GetSection(TraceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<OtlpTraceReceiver>();
        services.TryAddSingleton<TraceRepository>();
        services.TryAddSingleton<TraceStore>();
        return services;
    }
}
