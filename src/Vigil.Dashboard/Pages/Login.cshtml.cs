using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Auth;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages;

/// <summary>
/// Sign-in with a user name and password; an account locks after repeated failures, and an
/// address after repeated failures on any accounts (<see cref="ISignInLimiter"/>).
/// </summary>
public sealed class LoginModel(UserAccounts accounts, UserRepository users, SetupLink setup, ISignInLimiter limiter) : PageModel
{
    /// <summary>The name typed (kept after a failure).</summary>
    public string? UserName { get; private set; }

    /// <summary>Where to go after signing in (a local path only).</summary>
    public string ReturnUrl { get; private set; } = "/";

    /// <summary>Why the last attempt failed.</summary>
    public string? Message { get; private set; }

    /// <summary>Shows the form, or the setup hint when there is no account yet.</summary>
    public async Task<IActionResult> OnGetAsync(string? returnUrl)
    {
        ReturnUrl = LocalOrRoot(returnUrl);
        if (setup.IsOpen && await users.CountAsync(HttpContext.RequestAborted).ConfigureAwait(false) == 0)
        {
            Message = "No account exists yet: open the one-time setup link the server printed when it started to create the admin account.";
        }

        return Page();
    }

    /// <summary>Checks the name and password and starts the session.</summary>
    public async Task<IActionResult> OnPostAsync(string? userName, string? password, string? returnUrl)
    {
        ReturnUrl = LocalOrRoot(returnUrl);
        UserName = userName;
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password) || userName.Length > 64 || password.Length > 256)
        {
            Message = "Enter your user name and password.";
            return Page();
        }

        if (!limiter.MayTry(HttpContext, out var retryAfter))
        {
            Message = $"Too many failed sign-ins from your address: try again in {retryAfter} s.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page();
        }

        var (outcome, user) = await accounts.SignInAsync(userName, password, HttpContext.RequestAborted).ConfigureAwait(false);
        switch (outcome)
        {
            case SignInOutcome.Succeeded:
                await HttpContext.SignInAsync(DashboardCookie.Scheme, UserAccounts.PrincipalOf(user!, DashboardCookie.Scheme)).ConfigureAwait(false);
                return LocalRedirect(ReturnUrl);
            case SignInOutcome.LockedOut:
                Message = "This account is locked after too many wrong passwords. Try again later, or ask an admin to unlock it.";
                break;
            default:
                Message = "The user name or password is wrong.";
                break;
        }

        limiter.Failed(HttpContext);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }

    private string LocalOrRoot(string? url) => !string.IsNullOrEmpty(url) && Url.IsLocalUrl(url) ? url : "/";
}
