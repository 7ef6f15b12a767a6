using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Auth;

/// <summary>
/// The dashboard's session cookie: HttpOnly, SameSite=Strict, Secure when the request came over
/// https, sliding expiry. Every request checks the account still exists with the same stamp (a
/// changed password or role, or a deleted account, ends its sessions at once) and takes the
/// role from the account, not from the cookie. The JSON API accepts the cookie too (the pages'
/// buttons call it), with antiforgery (<see cref="CookieApiAntiforgery"/>); there a missing
/// session is a 401 problem, not a redirect.
/// </summary>
public static class DashboardCookie
{
    /// <summary>The authentication scheme.</summary>
    public const string Scheme = "VigilSession";

    /// <summary>The cookie's name.</summary>
    public const string CookieName = "vigil_session";

    /// <summary>Whether the request should be authenticated with the session cookie (it has one, or it is a page).</summary>
    public static bool Applies(HttpContext context) =>
        context.Request.Cookies.ContainsKey(CookieName) || !IsApi(context.Request.Path);

    /// <summary>Paths of the JSON API and the machine endpoints (Prometheus, OpenAPI, OTLP), which answer problems, never redirects.</summary>
    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/otlp") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/ui/data");

    /// <summary>Adds the cookie scheme.</summary>
    public static AuthenticationBuilder AddVigilDashboardCookie(this AuthenticationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<DashboardOptions>>((cookie, dashboard) => cookie.ExpireTimeSpan = dashboard.Value.SessionIdleTimeout);
        return builder.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/login";
            cookie.LogoutPath = "/logout";
            cookie.AccessDeniedPath = "/denied";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = ValidateAsync,
                OnRedirectToLogin = context => Redirect(context, StatusCodes.Status401Unauthorized, "Authentication required",
                    "The session has ended or is not valid: sign in again, or send an API key."),
                OnRedirectToAccessDenied = context => Redirect(context, StatusCodes.Status403Forbidden, "Forbidden",
                    "This account's role does not allow this request."),
            };
        });
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = context.Principal?.FindFirstValue(UserAccounts.StampClaim);
        var users = context.HttpContext.RequestServices.GetRequiredService<UserRepository>();
        var user = id is null ? null : await users.FindByIdAsync(id, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (user is null || user.Stamp != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme).ConfigureAwait(false);
            return;
        }

        // The role and name come from the account as it is now.
        context.ReplacePrincipal(UserAccounts.PrincipalOf(user, Scheme));
    }

    /// <summary>The path and query of the page an htmx request came from (its <c>HX-Current-URL</c>, when it is of this host), else <c>/</c>.</summary>
    internal static string PageOf(HttpRequest request) =>
        Uri.TryCreate(request.Headers["HX-Current-URL"].ToString(), UriKind.Absolute, out var page)
        && string.Equals(page.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
        && !page.AbsolutePath.StartsWith("/ui/", StringComparison.Ordinal)
            ? page.PathAndQuery
            : "/";

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context, int status, string title, string detail)
    {
        if (IsApi(context.Request.Path))
        {
            if (status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            return Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context.HttpContext);
        }

        // htmx follows HX-Redirect with a full page load (a 302 would be swapped into the fragment). The way back after
        // signing in is the page it was sent from, not the fragment (a bell poll that outlived a sign-out landed there).
        if (context.Request.Headers.ContainsKey("HX-Request"))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            context.Response.Headers["HX-Redirect"] = status == StatusCodes.Status401Unauthorized
                ? $"{context.Request.PathBase}{context.Options.LoginPath}?{context.Options.ReturnUrlParameter}={Uri.EscapeDataString(PageOf(context.Request))}"
                : context.RedirectUri;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
