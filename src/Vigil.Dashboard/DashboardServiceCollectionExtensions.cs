using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.Configuration;
using Vigil.Dashboard;
using Vigil.Dashboard.Auth;
using Vigil.Dashboard.Live;
using Vigil.Dashboard.Security;
using Vigil.Storage.Users;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the dashboard's pages and accounts.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>The pages, the accounts and antiforgery; the host adds the cookie scheme with <see cref="DashboardCookie.AddVigilDashboardCookie"/>.</summary>
    public static IServiceCollection AddVigilDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection(DashboardOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UserRepository>();
        services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();
        services.AddSingleton<UserAccounts>();
        services.AddSingleton<SetupLink>();
        services.AddSingleton<AlertBanner>();
        services.AddSingleton<NotificationBell>();
        services.AddVigilDeliveryPages();
        services.AddVigilOverview();
        services.AddVigilAlertPages();
        services.AddAntiforgery(options =>
        {
            options.HeaderName = "RequestVerificationToken";
            options.Cookie.Name = "vigil_csrf";
            options.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddRazorPages(options =>
            {
                options.Conventions.AuthorizeFolder("/", UserRoles.Viewer);
                options.Conventions.AllowAnonymousToPage("/Login");
                options.Conventions.AllowAnonymousToPage("/Setup");
                options.Conventions.AllowAnonymousToPage("/Denied");
                options.Conventions.AllowAnonymousToPage("/Problem");
                options.Conventions.AllowAnonymousToPage("/Status/Index");
                options.Conventions.AuthorizeFolder("/Users", UserRoles.Admin);
                options.Conventions.AuthorizeFolder("/Keys", UserRoles.Admin);
            })
            .AddMvcOptions(options => options.Filters.Add<DashboardSecurityHeaders>())
            .ConfigureApplicationPartManager(parts =>
            {
                var assembly = typeof(DashboardOptions).Assembly;
                if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly))
                {
                    parts.ApplicationParts.Add(new AssemblyPart(assembly));
                }
            });
        return services;
    }
}
