using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Server.Rules;
using Vigil.Storage.Alerts;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the alert rules: storage, the default rules of <c>config/base.json</c>, options.</summary>
internal static class RulesServiceCollectionExtensions
{
    public static IServiceCollection AddVigilRules(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(DefaultRules)))
        {
            return services;
        }

        services.AddOptions<RulesOptions>().Bind(configuration.GetSection(RulesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<RuleRepository>();
        services.TryAddSingleton<DefaultRules>();
        return services;
    }
}
