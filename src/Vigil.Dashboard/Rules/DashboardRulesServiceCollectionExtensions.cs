using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the rule pages' routes.</summary>
internal static class DashboardRulesServiceCollectionExtensions
{
    /// <summary>The rule list also answers at <c>/settings/alerts/config</c>, the address of seed 004.</summary>
    public static IServiceCollection AddVigilDashboardRules(this IServiceCollection services)
    {
        services.Configure<RazorPagesOptions>(options => options.Conventions.AddPageRoute("/Rules/Index", "settings/alerts/config"));
        return services;
    }
}
