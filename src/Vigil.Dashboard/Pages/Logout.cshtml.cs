using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Auth;

namespace Vigil.Dashboard.Pages;

/// <summary>Ends the session (a form post with the antiforgery token; a GET does nothing).</summary>
public sealed class LogoutModel : PageModel
{
    /// <summary>Back to the overview.</summary>
    public IActionResult OnGet() => Redirect("/");

    /// <summary>Signs out.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(DashboardCookie.Scheme).ConfigureAwait(false);
        return Redirect("/login");
    }
}
