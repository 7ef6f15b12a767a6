using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Vigil.Dashboard.Auth;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages;

/// <summary>The signed-in user's own account: who they are, and a new password (the current one required).</summary>
public sealed class AccountModel(UserRepository users, UserAccounts accounts, ISignInLimiter limiter, IOptions<DashboardOptions> options) : PageModel
{
    /// <summary>The account, as stored.</summary>
    public UserRecord? Account { get; private set; }

    /// <summary>The shortest password accepted.</summary>
    public int MinPasswordLength => options.Value.MinPasswordLength;

    /// <summary>Field errors of the password form.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The outcome of the last change.</summary>
    [TempData]
    public string? Message { get; set; }

    /// <summary>Shows the account.</summary>
    public async Task<IActionResult> OnGetAsync() => await LoadAsync().ConfigureAwait(false) ? Page() : Challenge();

    /// <summary>Changes the password: this session continues, every other one ends.</summary>
    public async Task<IActionResult> OnPostPasswordAsync(string? current, string? password, string? confirmation)
    {
        if (!await LoadAsync().ConfigureAwait(false))
        {
            return Challenge();
        }

        if (string.IsNullOrEmpty(current) || current.Length > 256)
        {
            Errors["current"] = "Enter your current password.";
        }

        if (accounts.CheckPassword(password, confirmation) is { } problem)
        {
            Errors["password"] = problem;
        }

        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (!limiter.MayTry(HttpContext, out var retryAfter))
        {
            Errors["current"] = $"Too many failed attempts from your address: try again in {retryAfter} s.";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }

        var (outcome, changed) = await accounts.ChangeOwnPasswordAsync(Account!.Id, current!, password!, HttpContext.RequestAborted).ConfigureAwait(false);
        if (changed is null)
        {
            limiter.Failed(HttpContext);
            Errors["current"] = outcome == SignInOutcome.LockedOut
                ? "The account is locked after too many wrong passwords: ask an admin to unlock it."
                : "This is not your current password.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        // The new stamp ended every session of the account; this one carries on with it.
        await HttpContext.SignInAsync(DashboardCookie.Scheme, UserAccounts.PrincipalOf(changed, DashboardCookie.Scheme)).ConfigureAwait(false);
        Message = "Your password is changed; your other sessions are signed out.";
        return RedirectToPage();
    }

    private async Task<bool> LoadAsync()
    {
        var id = User.FindFirstValue(ClaimTypes.NameIdentifier);
        Account = id is null ? null : await users.FindByIdAsync(id, HttpContext.RequestAborted).ConfigureAwait(false);
        return Account is not null;
    }
}
