using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Vigil.Dashboard.Auth;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages;

/// <summary>The one-time setup link: the first visitor with it creates the admin account.</summary>
public sealed class SetupModel(UserAccounts accounts, UserRepository users, SetupLink setup, IOptions<DashboardOptions> options) : PageModel
{
    /// <summary>The token of the link.</summary>
    public string? Token { get; private set; }

    /// <summary>Whether the link still works.</summary>
    public bool Valid { get; private set; }

    /// <summary>The name typed.</summary>
    public string? UserName { get; private set; }

    /// <summary>Field errors by field name.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The shortest password accepted.</summary>
    public int MinPasswordLength => options.Value.MinPasswordLength;

    /// <summary>Shows the form when the link is valid.</summary>
    public IActionResult OnGet(string? token)
    {
        Token = token;
        Valid = setup.Matches(token);
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Page();
    }

    /// <summary>Creates the admin account and signs it in.</summary>
    public async Task<IActionResult> OnPostAsync(string? token, string? userName, string? password, string? confirmation)
    {
        Token = token;
        UserName = userName;
        Valid = setup.Matches(token);
        if (!Valid)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        if (UserAccounts.CheckUserName(userName) is { } nameError)
        {
            Errors["userName"] = nameError;
        }

        if (accounts.CheckPassword(password, confirmation) is { } passwordError)
        {
            Errors["password"] = passwordError;
        }

        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var user = accounts.NewUser(userName!, password!, UserRoles.Admin);
        if (!await users.TryCreateFirstAdminAsync(user, HttpContext.RequestAborted).ConfigureAwait(false))
        {
            // Another visitor was first.
            setup.Close();
            Valid = false;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Page();
        }

        setup.Close();
        await HttpContext.SignInAsync(DashboardCookie.Scheme, UserAccounts.PrincipalOf(user, DashboardCookie.Scheme)).ConfigureAwait(false);
        return Redirect("/");
    }
}
